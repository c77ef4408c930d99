package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.EOFException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLException;

/**
 * The ledger's error for a session that could not be opened (connect, greeting, EHLO, STARTTLS,
 * AUTH), recorded under the step that failed and typed by what a caller can do about it: an
 * untrusted certificate, a wrong host name, STARTTLS required but not offered and a 5yz to AUTH are
 * {@link FailureType#CONFIGURATION} (no retry helps until the configuration changes); a timeout, a
 * refused or reset connection, a 4yz are {@link FailureType#TRANSIENT}; a 5yz greeting or EHLO is
 * {@link FailureType#PERMANENT}.
 */
public final class SessionFailures {

    private SessionFailures() {
    }

    /**
     * @param failure what {@link SmtpConnection#open} (or the pool's borrow) threw
     * @param tls     the TLS mode the session was opened with: a TLS handshake failure belongs to
     *                {@link SmtpStep#CONNECT} with implicit TLS, to {@link SmtpStep#STARTTLS} otherwise
     */
    public static SmtpError errorOf(Throwable failure, TlsMode tls) {
        if (failure instanceof SmtpException e && e.error().isPresent()) {
            return e.error().get();
        }
        if (failure instanceof SmtpTimeoutException e) {
            return SmtpError.ofConnection(e.step(), e.command(), e);
        }
        if (failure instanceof SmtpProtocolException e) {
            return SmtpError.ofConnection(e.step().orElse(SmtpStep.CONNECT), null, e);
        }
        if (failure instanceof SmtpConnectionClosedException e) {
            return SmtpError.ofConnection(e.step(), null, e);
        }
        if (failure instanceof SSLException e) {
            SmtpStep step = tls == TlsMode.IMPLICIT ? SmtpStep.CONNECT : SmtpStep.STARTTLS;
            if (brokenConnection(e)) {
                return SmtpError.ofConnection(step, null, e);
            }
            // certificate not trusted, expired, host name not in it, no protocol or cipher in common
            return SmtpError.configuration(step, null, "TLS handshake failed: " + e.getMessage(), e);
        }
        return SmtpError.ofConnection(SmtpStep.CONNECT, null, failure);
    }

    /** A handshake cut short by the network (EOF, reset, timeout) rather than refused by TLS. */
    private static boolean brokenConnection(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof EOFException || t instanceof SocketException || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }
}
