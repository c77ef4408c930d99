package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a {@link MessageLedger} as a send would have left it, so that an application can unit-test
 * its handling of failed and unknown recipients without a server. Every recipient of the envelope
 * must be given exactly one final status (SUCCEEDED, FAILED or UNKNOWN), as in a ledger a send
 * returns; {@link #build()} refuses otherwise.
 *
 * <pre>{@code
 * MessageLedger ledger = MessageLedger.builder(Envelope.of("news@example.com", "ann@example.com", "ben@example.com"))
 *         .succeeded("ann@example.com")
 *         .refused("ben@example.com", 550, "5.1.1", "No such user")
 *         .build();
 * }</pre>
 *
 * <p>What the ledger says beyond the statuses follows from them as in a real send: a SUCCEEDED
 * recipient's RCPT TO got {@code 250 2.1.5 Ok} (it counts as accepted); a recipient FAILED with an
 * error at {@code RCPT_TO} (or before: {@code MAIL_FROM}, the session's steps) was not accepted, its
 * RCPT reply being the error's reply; one FAILED later ({@code DATA}, {@code DATA_CONTENT},
 * {@code END_OF_DATA}, {@code BDAT}) or UNKNOWN was accepted first. The ledger is
 * {@linkplain MessageLedger#started() started} unless every recipient failed before MAIL FROM was
 * written (a session step, or a LOCAL error), and its content {@linkplain
 * MessageLedger#contentCommitted() committed} when a recipient SUCCEEDED or is UNKNOWN, or the end of
 * data (or LAST chunk) got the refusal. With a SUCCEEDED recipient and no {@link #finalReply} the final
 * reply is {@code 250 2.0.0 Ok: queued}.
 *
 * <p>Not thread-safe; {@link #build()} may be called once.
 */
public final class MessageLedgerBuilder {

    private static final SmtpReply RCPT_OK = SmtpReply.of(250, "2.1.5 Ok");
    private static final SmtpReply QUEUED = SmtpReply.of(250, "2.0.0 Ok: queued");
    /** Steps whose error comes after the recipient's RCPT TO was accepted. */
    private static final Set<SmtpStep> AFTER_RCPT =
            EnumSet.of(SmtpStep.DATA, SmtpStep.DATA_CONTENT, SmtpStep.END_OF_DATA, SmtpStep.BDAT);
    /** Steps at or after which MAIL FROM has been written. */
    private static final Set<SmtpStep> IN_TRANSACTION = EnumSet.of(SmtpStep.MAIL_FROM, SmtpStep.RCPT_TO,
            SmtpStep.DATA, SmtpStep.DATA_CONTENT, SmtpStep.END_OF_DATA, SmtpStep.BDAT);

    private final MessageLedger ledger;
    private SmtpReply finalReply;
    private boolean started;
    private boolean committed;
    private boolean succeeded;
    private boolean built;

    MessageLedgerBuilder(Envelope envelope) {
        this.ledger = new MessageLedger(Objects.requireNonNull(envelope, "envelope"));
    }

    /**
     * These recipients SUCCEEDED: accepted, and the content got 2yz.
     *
     * @throws IllegalArgumentException when an address has no recipient without a status yet (see
     *     {@link #failed})
     */
    public MessageLedgerBuilder succeeded(String... addresses) {
        for (String address : addresses) {
            ledger.update(next(address), r -> r.accepted(RCPT_OK).succeeded());
            started = true;
            committed = true;
            succeeded = true;
        }
        return this;
    }

    /**
     * This recipient FAILED with {@code error}; accepted first or not according to the error's step
     * (see the class comment). For a duplicated address, the first occurrence without a status.
     *
     * @throws IllegalArgumentException when the envelope has no recipient {@code address} without a
     *     status yet (compared exactly)
     */
    public MessageLedgerBuilder failed(String address, SmtpError error) {
        Objects.requireNonNull(error, "error");
        int index = next(address);
        SmtpStep step = error.step();
        if (AFTER_RCPT.contains(step)) {
            ledger.update(index, r -> r.accepted(RCPT_OK).failed(null, error));
        } else {
            SmtpReply rcptReply = step == SmtpStep.RCPT_TO ? error.reply().orElse(null) : null;
            ledger.update(index, r -> r.failed(rcptReply, error));
        }
        if (IN_TRANSACTION.contains(step) && error.type() != FailureType.LOCAL) {
            started = true;
        }
        if (error.reply().isPresent() && (step == SmtpStep.END_OF_DATA
                || (step == SmtpStep.BDAT && error.command().endsWith("LAST")))) {
            committed = true;
        }
        return this;
    }

    /**
     * This recipient's RCPT TO was refused with the reply {@code code enhancedStatusCode text}, e.g.
     * {@code refused("ben@example.com", 550, "5.1.1", "No such user")}: FAILED, PERMANENT for 5yz and
     * TRANSIENT for 4yz.
     *
     * @param enhancedStatusCode the RFC 3463 code, or null for none
     * @throws IllegalArgumentException when {@code code} is not 400 to 599, or as {@link #failed}
     */
    public MessageLedgerBuilder refused(String address, int code, String enhancedStatusCode, String text) {
        if (code < 400 || code > 599) {
            throw new IllegalArgumentException("a refusal's reply code is 400 to 599, not " + code);
        }
        SmtpReply reply = SmtpReply.of(code, enhancedStatusCode == null ? text : enhancedStatusCode + " " + text);
        return failed(address, SmtpError.ofReply(SmtpStep.RCPT_TO, "RCPT TO:<" + address + ">", reply));
    }

    /**
     * This recipient is UNKNOWN with {@code error} (e.g. the connection broke after the end of data):
     * accepted, and the content may have been delivered.
     *
     * @throws IllegalArgumentException as {@link #failed}
     */
    public MessageLedgerBuilder unknown(String address, SmtpError error) {
        Objects.requireNonNull(error, "error");
        ledger.update(next(address), r -> r.accepted(RCPT_OK).unknown(error));
        started = true;
        committed = true;
        return this;
    }

    /** The reply to the end of data, e.g. {@code 250 2.0.0 Ok: queued as 4F2A1}. */
    public MessageLedgerBuilder finalReply(SmtpReply reply) {
        finalReply = Objects.requireNonNull(reply, "reply");
        return this;
    }

    /**
     * The ledger.
     *
     * @throws IllegalStateException when a recipient has no final status (naming them), or when called twice
     */
    public MessageLedger build() {
        if (built) {
            throw new IllegalStateException("build() was already called");
        }
        List<String> open = new ArrayList<>();
        for (RecipientResult r : ledger.recipients()) {
            if (!r.status().isFinal()) {
                open.add(r.address());
            }
        }
        if (!open.isEmpty()) {
            throw new IllegalStateException("every recipient ends SUCCEEDED, FAILED or UNKNOWN; no status for " + open);
        }
        built = true;
        if (started) {
            ledger.markStarted();
        }
        if (committed) {
            ledger.markContentCommitted();
        }
        if (finalReply != null) {
            ledger.finalReply(finalReply);
        } else if (succeeded) {
            ledger.finalReply(QUEUED);
        }
        return ledger;
    }

    private int next(String address) {
        Objects.requireNonNull(address, "address");
        if (built) {
            throw new IllegalStateException("build() was already called");
        }
        List<RecipientResult> recipients = ledger.recipients();
        for (int i = 0; i < recipients.size(); i++) {
            if (recipients.get(i).address().equals(address) && !recipients.get(i).status().isFinal()) {
                return i;
            }
        }
        throw new IllegalArgumentException(address + " is not a recipient of " + ledger.envelope()
                + " without a status yet");
    }
}
