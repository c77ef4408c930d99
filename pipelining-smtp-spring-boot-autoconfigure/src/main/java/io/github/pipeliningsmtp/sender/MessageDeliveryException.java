package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import java.util.Optional;

/**
 * The value in {@link org.springframework.mail.MailSendException#getFailedMessages()} for a message
 * that was not delivered to every recipient: it carries the message's ledger (which recipients
 * SUCCEEDED, FAILED with which reply, or are UNKNOWN). Its message lists every recipient that did
 * not succeed, e.g. {@code rcpt-2@example.net FAILED {RCPT TO:<rcpt-2@example.net>, 550 5.1.1 User unknown}}.
 */
public class MessageDeliveryException extends Exception {

    private static final long serialVersionUID = 1L;

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
            return "message could not be prepared: " + cause;
        }
        StringBuilder sb = new StringBuilder("message ").append(ledger.status()).append(':');
        for (RecipientResult r : ledger.recipients()) {
            if (r.status() != RecipientStatus.SUCCEEDED) {
                sb.append(' ').append(r).append(';');
            }
        }
        return sb.toString();
    }
}
