package io.github.pipeliningsmtp.client;

import java.util.List;
import java.util.Objects;

/**
 * The SMTP envelope of one message (RFC 5321 §2.3.1): the reverse-path given to MAIL FROM and the
 * forward-paths given to RCPT TO, in order. Addresses are checked when the commands are built
 * (see {@link io.github.pipeliningsmtp.protocol.SmtpCommand}), before anything is written.
 *
 * @param mailFrom   the envelope sender; {@code ""} for the null reverse-path (bounces)
 * @param recipients at least one recipient; duplicates are sent as given
 */
public record Envelope(String mailFrom, List<String> recipients) {

    /** @throws IllegalArgumentException if there is no recipient */
    public Envelope {
        Objects.requireNonNull(mailFrom, "mailFrom");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
    }

    /**
     * Checks that every address can be written as MAIL FROM / RCPT TO without injecting anything.
     *
     * @throws IllegalArgumentException naming the problem (CR, LF, NUL, angle bracket...)
     */
    public void checkAddresses() {
        io.github.pipeliningsmtp.protocol.SmtpCommand.mailFrom(mailFrom, java.util.Map.of());
        for (String r : recipients) {
            io.github.pipeliningsmtp.protocol.SmtpCommand.rcptTo(r, java.util.Map.of());
        }
    }

    /** Convenience factory. */
    public static Envelope of(String mailFrom, String... recipients) {
        return new Envelope(mailFrom, List.of(recipients));
    }
}
