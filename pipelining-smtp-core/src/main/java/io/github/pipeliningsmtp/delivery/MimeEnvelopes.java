package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.Envelope;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import io.github.pipeliningsmtp.client.DsnOptions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * Derives the SMTP envelope of a {@link MimeMessage} as Jakarta Mail's SMTP transport does: MAIL
 * FROM is an {@link SMTPMessage}'s envelope from, else the session property {@code mail.smtp.from},
 * otherwise the first From address;
 * RCPT TO is every To, Cc and Bcc address (Bcc never appears in the content).
 */
final class MimeEnvelopes {

    private MimeEnvelopes() {
    }

    /**
     * @throws MessagingException       when there is no sender or no recipient, or a header cannot be parsed
     * @throws IllegalArgumentException when an address cannot be written safely (CR, LF, NUL...)
     */
    static Envelope of(MimeMessage message) throws MessagingException {
        String from = message instanceof SMTPMessage smtp ? smtp.getEnvelopeFrom() : null;
        if (from == null && message.getSession() != null) {
            from = message.getSession().getProperty("mail.smtp.from");
        }
        if (from == null) {
            Address[] senders = message.getFrom();
            if (senders == null || senders.length == 0) {
                throw new MessagingException("message has no From address and mail.smtp.from is not set");
            }
            from = address(senders[0]);
        }
        Address[] all = message.getAllRecipients();
        if (all == null || all.length == 0) {
            throw new MessagingException("message has no recipient (To, Cc or Bcc)");
        }
        List<String> recipients = new ArrayList<>(all.length);
        for (Address a : all) {
            recipients.add(address(a));
        }
        Envelope envelope = new Envelope(from, recipients);
        envelope.checkAddresses();
        return envelope;
    }

    /**
     * DSN requests of a message: an {@link SMTPMessage}'s notify and return options and an
     * {@code ENVID=} in its mail extension override the defaults.
     */
    static DsnOptions dsn(MimeMessage message, DsnOptions defaults) {
        if (!(message instanceof SMTPMessage smtp)) {
            return defaults;
        }
        Set<DsnOptions.Notify> notify = defaults != null ? defaults.notifyOn() : Set.of();
        int n = smtp.getNotifyOptions();
        if (n == SMTPMessage.NOTIFY_NEVER) {
            notify = EnumSet.of(DsnOptions.Notify.NEVER);
        } else if (n > 0) {
            notify = EnumSet.noneOf(DsnOptions.Notify.class);
            if ((n & SMTPMessage.NOTIFY_SUCCESS) != 0) {
                notify.add(DsnOptions.Notify.SUCCESS);
            }
            if ((n & SMTPMessage.NOTIFY_FAILURE) != 0) {
                notify.add(DsnOptions.Notify.FAILURE);
            }
            if ((n & SMTPMessage.NOTIFY_DELAY) != 0) {
                notify.add(DsnOptions.Notify.DELAY);
            }
        }
        DsnOptions.Ret ret = defaults != null ? defaults.ret() : null;
        if (smtp.getReturnOption() == SMTPMessage.RETURN_FULL) {
            ret = DsnOptions.Ret.FULL;
        } else if (smtp.getReturnOption() == SMTPMessage.RETURN_HDRS) {
            ret = DsnOptions.Ret.HDRS;
        }
        String envid = defaults != null ? defaults.envid() : null;
        String extension = smtp.getMailExtension();
        if (extension != null) {
            for (String word : extension.trim().split("\\s+")) {
                if (word.regionMatches(true, 0, "ENVID=", 0, 6)) {
                    envid = word.substring(6);
                }
            }
        }
        boolean orcpt = defaults != null && defaults.orcpt();
        if (notify.isEmpty() && ret == null && envid == null && !orcpt) {
            return null;
        }
        return new DsnOptions(notify, ret, envid, orcpt);
    }

    private static String address(Address a) throws MessagingException {
        if (!(a instanceof InternetAddress ia)) {
            throw new MessagingException("not an Internet address: " + a.getType());
        }
        return ia.getAddress();
    }
}
