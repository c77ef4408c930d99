package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.DsnOptions;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Supplier;

/**
 * The messages of a call that could be prepared, and what became of those that could not; an
 * {@link SmtpMailer}'s preparation of each (see its class comment): a sent date when there is none,
 * {@code saveChanges()} keeping an explicitly set Message-ID, the envelope from the headers.
 */
final class PreparedMessages {
    final List<OutgoingMessage> outgoing;
    final List<Integer> index;
    final Exception[] errors;
    final MessageLedger[] unpreparedLedgers;
    final List<MimeMessage> messages;
    int unprepared;
    long unpreparedRecipients;

    /** @param defaultDsn the mailer's default DSN options now (read once per message as it is prepared) */
    PreparedMessages(List<MimeMessage> messages, Supplier<DsnOptions> defaultDsn) {
        int n = messages.size();
        this.messages = messages;
        this.errors = new Exception[n];
        this.unpreparedLedgers = new MessageLedger[n];
        this.outgoing = new ArrayList<>(n);
        this.index = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                outgoing.add(prepare(messages.get(i), defaultDsn));
                index.add(i);
            } catch (MessagingException | IllegalArgumentException e) {
                errors[i] = new MessagePreparationException(e);
                // not prepared: its recipients, if it has any, are in the ledger as FAILED (LOCAL)
                unpreparedLedgers[i] = unpreparedLedger(messages.get(i), errors[i]);
                unprepared++;
                unpreparedRecipients += unpreparedLedgers[i] == null ? 0 : unpreparedLedgers[i].recipients().size();
            }
        }
    }

    private static OutgoingMessage prepare(MimeMessage message, Supplier<DsnOptions> defaultDsn)
            throws MessagingException {
        if (message.getSentDate() == null) {
            message.setSentDate(new Date());
        }
        String messageId = message.getMessageID();
        message.saveChanges();
        if (messageId != null) {
            message.setHeader("Message-ID", messageId);
        }
        Envelope envelope = MimeEnvelopes.of(message);
        return new OutgoingMessage(envelope, MessageContent.of(message), MimeEnvelopes.dsn(message, defaultDsn.get()));
    }

    private static MessageLedger unpreparedLedger(MimeMessage message, Exception error) {
        try {
            List<String> recipients = new ArrayList<>();
            for (String header : new String[] {"To", "Cc", "Bcc"}) {
                String value = message.getHeader(header, ",");
                if (value != null) {
                    // not strict: a header that failed preparation may not parse strictly
                    for (InternetAddress a : InternetAddress.parseHeader(value, false)) {
                        recipients.add(a.getAddress());
                    }
                }
            }
            if (recipients.isEmpty()) {
                return null;
            }
            return MessageLedger.notSent(new Envelope("", recipients), SmtpError.local(SmtpStep.MAIL_FROM,
                    "not sent: the message could not be prepared: " + error.getCause().getMessage(), error));
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }
}
