package io.github.pipeliningsmtp.client;

/**
 * The connection's security policy forbade going on: STARTTLS required but not offered or refused
 * (e.g. {@code 454 4.7.0}), or AUTH over an unencrypted connection without explicit permission.
 * Thrown before any AUTH or MAIL FROM is written. TLS handshake failures propagate as the JDK's
 * {@link javax.net.ssl.SSLException} instead.
 */
public class SmtpSecurityException extends SmtpException {

    private static final long serialVersionUID = 1L;

    /** @param error the STARTTLS reply, when one caused it */
    public SmtpSecurityException(String message, SmtpError error) {
        super(message, error, null);
    }
}
