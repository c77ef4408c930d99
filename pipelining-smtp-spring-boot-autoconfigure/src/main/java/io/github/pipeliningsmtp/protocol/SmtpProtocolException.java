package io.github.pipeliningsmtp.protocol;

import java.io.IOException;

/**
 * The server broke the protocol: a malformed reply, a reply to a command that was never sent, or
 * bytes where none may be (after the STARTTLS 220). The connection that saw it must be retired.
 */
public class SmtpProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, naming the offending line (sanitised) */
    public SmtpProtocolException(String message) {
        super(message);
    }
}
