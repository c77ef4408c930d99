package io.github.pipeliningsmtp.delivery;

/**
 * A message of a batch could not be prepared for sending (no recipient, an address that does not
 * parse or carries CR, LF or NUL, a MIME structure Jakarta Mail cannot save); it is in the report
 * with this error and its recipients FAILED ({@link io.github.pipeliningsmtp.client.FailureType#LOCAL}),
 * and the other messages were still sent.
 */
public class MessagePreparationException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param cause what Jakarta Mail or the envelope check threw */
    public MessagePreparationException(Throwable cause) {
        super("Could not prepare message: " + cause.getMessage(), cause);
    }
}
