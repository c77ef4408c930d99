package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.SmtpException;

/**
 * No connection could be borrowed within the pool's max wait. The message gives the pool's state,
 * e.g. {@code no SMTP connection within 2000 ms (total=4, active=4, idle=0, waiting=7)}.
 */
public class SmtpPoolTimeoutException extends SmtpException {

    private static final long serialVersionUID = 1L;

    /** @param message with total / active / idle / waiting */
    public SmtpPoolTimeoutException(String message, Throwable cause) {
        super(message, null, cause);
    }
}
