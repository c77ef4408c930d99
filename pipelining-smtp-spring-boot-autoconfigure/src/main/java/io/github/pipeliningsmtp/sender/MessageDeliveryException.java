package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.protocol.Printable;
import java.util.Optional;

/**
 * The value in {@link org.springframework.mail.MailSendException#getFailedMessages()} for a message
 * that was not delivered to every recipient: it carries the message's ledger (which recipients
 * SUCCEEDED, FAILED with which reply, or are UNKNOWN). Its message shows the first
 * {@value #SHOWN} recipients that did not succeed, e.g. {@code rcpt-2@example.net FAILED
 * {RCPT TO:<rcpt-2@example.net>, 550 5.1.1 User unknown}}, each escaped
 * ({@link io.github.pipeliningsmtp.protocol.Printable}) and cut to {@value #RECIPIENT_CHARS}
 * characters, then how many more there are; the ledger has every one, with the raw replies.
 */
public class MessageDeliveryException extends Exception {

    private static final long serialVersionUID = 1L;

    /** How many recipients that did not succeed the message shows. */
    static final int SHOWN = 3;

    /** The longest text shown for one recipient (or for the cause of a message without a ledger). */
    static final int RECIPIENT_CHARS = 200;

    private final transient MessageLedger ledger;

    /**
     * @param ledger the message's ledger, or null when the message could not be prepared
     * @param cause  the connection failure when no connection could be had, or the preparation error
     */
    public MessageDeliveryException(MessageLedger ledger, Throwable cause) {
        super(describe(ledger, cause), cause);
        this.ledger = ledger;
    }

    /** The ledger; empty when the message failed before it had an envelope. */
    public Optional<MessageLedger> ledger() {
        return Optional.ofNullable(ledger);
    }

    private static String describe(MessageLedger ledger, Throwable cause) {
        if (ledger == null) {
            return "message could not be prepared: " + Printable.of(String.valueOf(cause), RECIPIENT_CHARS);
        }
        StringBuilder sb = new StringBuilder("message ").append(ledger.status()).append(':');
        int notDelivered = 0;
        for (RecipientResult r : ledger.recipients()) {
            if (r.status() != RecipientStatus.SUCCEEDED && notDelivered++ < SHOWN) {
                sb.append(' ').append(Printable.of(r.toString(), RECIPIENT_CHARS)).append(';');
            }
        }
        if (notDelivered > SHOWN) {
            sb.append(" and ").append(notDelivered - SHOWN).append(" more recipients not delivered (in the ledger)");
        }
        return sb.toString();
    }
}
