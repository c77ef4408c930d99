package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpStep;

/**
 * AUTH was refused (RFC 4954 §6), e.g. {@code {AUTH PLAIN, 535 5.7.8 Authentication credentials
 * invalid}}, or no mechanism both sides support was found. Never contains credentials.
 */
public class SmtpAuthenticationException extends SmtpException {

    private static final long serialVersionUID = 1L;

    /** @param error the AUTH command (as {@code AUTH <mechanism>}) and the final reply */
    public SmtpAuthenticationException(SmtpError error) {
        super("SMTP authentication failed: " + error, error, null);
    }

    /**
     * @param message the message (escaped like every {@link SmtpException}'s), never with credentials
     * @param error   the AUTH command and its reply, or the configuration error
     * @param cause   what made authentication impossible (e.g. the token provider's exception), or null
     */
    protected SmtpAuthenticationException(String message, SmtpError error, Throwable cause) {
        super(message, error, cause);
    }

    /** No usable mechanism; no AUTH command was written. The error is {@link FailureType#CONFIGURATION}. */
    public SmtpAuthenticationException(String message) {
        super(message, SmtpError.configuration(SmtpStep.AUTH, null, message, null), null);
    }
}
