package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.Printable;
import java.io.IOException;
import java.util.Optional;

/**
 * A connection could not be opened or used: the base of the exceptions this client throws. When a
 * server reply caused it, {@link #error()} carries the command and the reply. Messages never
 * contain credentials or SASL data.
 */
public class SmtpException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient SmtpError error;

    /**
     * @param message the message; control and line-separator characters (from server text) are
     *                escaped ({@link io.github.pipeliningsmtp.protocol.Printable})
     * @param error   the command and reply behind it, or null
     */
    public SmtpException(String message, SmtpError error, Throwable cause) {
        super(Printable.of(message), cause);
        this.error = error;
    }

    /** The command and reply (or connection error) behind this exception. */
    public Optional<SmtpError> error() {
        return Optional.ofNullable(error);
    }
}
