package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.Envelope;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Derives the SMTP envelope of a {@link MimeMessage} as Jakarta Mail's SMTP transport does: MAIL
 * FROM is the session property {@code mail.smtp.from} when set, otherwise the first From address;
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
        String from = message.getSession() != null ? message.getSession().getProperty("mail.smtp.from") : null;
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

    private static String address(Address a) throws MessagingException {
        if (!(a instanceof InternetAddress ia)) {
            throw new MessagingException("not an Internet address: " + a.getType());
        }
        return ia.getAddress();
    }
}
