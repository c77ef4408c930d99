package io.github.pipeliningsmtp.mta;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import java.security.SecureRandom;
import java.util.List;
import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * The messages of the "ledger equals mailbox" tests ({@link LedgerEqualsMailboxIT},
 * {@link LedgerEqualsMailboxUnderFaultsIT}): how one is planned, how it becomes a MimeMessage, and
 * the seed of a run.
 */
final class LedgerMessages {

    /** What the MTA is to do with a message: take it, refuse every recipient at RCPT, or refuse it at end of data. */
    enum Kind { NORMAL, ALL_REFUSED, DATA_REFUSED }

    /** One message of a workload, as planned. */
    record Planned(String id, int batch, int index, String sender, List<String> recipients, Kind kind, String body,
                   boolean boundary) {
    }

    private LedgerMessages() {
    }

    /**
     * The run's seed: {@code -Dledger.seed=N}, or a random one; printed with the test's name and how
     * to rerun with it.
     */
    static long seed(String test) {
        String given = System.getProperty("ledger.seed");
        long seed = given != null && !given.isBlank() ? Long.parseLong(given.trim()) : new SecureRandom().nextLong();
        System.out.println("[" + test + "] seed " + seed + " (rerun with -Dledger.seed=" + seed + ")");
        return seed;
    }

    /**
     * The MimeMessage of a planned message: envelope sender {@link Planned#sender} (not the From
     * header), the first recipient in To and the others spread over Cc and Bcc, {@code X-Ledger-Id}
     * its id, {@code X-Test-Refuse: data} when the MTA is to refuse it at end of data, the body as
     * US-ASCII text.
     */
    static SMTPMessage mime(PipelinedMailSender sender, Planned p) throws MessagingException {
        SMTPMessage m = new SMTPMessage(sender.createMimeMessage().getSession());
        m.setEnvelopeFrom(p.sender()); // MAIL FROM: differs from the From header
        m.setFrom(new InternetAddress("ledger@example.com"));
        List<String> r = p.recipients();
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(r.get(0)));
        for (int k = 1; k < r.size(); k++) {
            Message.RecipientType type = k % 3 == 1 ? Message.RecipientType.CC
                    : k % 3 == 2 ? Message.RecipientType.BCC : Message.RecipientType.TO;
            m.addRecipient(type, new InternetAddress(r.get(k)));
        }
        m.setSubject("ledger " + p.id() + " " + p.kind());
        m.setHeader("X-Ledger-Id", p.id());
        if (p.kind() == Kind.DATA_REFUSED) {
            m.setHeader("X-Test-Refuse", "data");
        }
        m.setText(p.body(), "US-ASCII");
        return m;
    }
}
