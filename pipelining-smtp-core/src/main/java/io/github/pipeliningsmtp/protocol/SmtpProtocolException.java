package io.github.pipeliningsmtp.protocol;

import java.io.IOException;
import java.util.Optional;

/**
 * The server broke the protocol: a malformed reply, a reply to a command that was never sent, or
 * bytes where none may be (after the STARTTLS 220). The connection that saw it must be retired.
 */
public class SmtpProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    private final SmtpStep step;

    /** @param message what was wrong, naming the offending line (sanitised) */
    public SmtpProtocolException(String message) {
        this(null, message);
    }

    /**
     * @param step    the step whose reply was being read, or null
     * @param message what was wrong, naming the offending line (sanitised)
     */
    public SmtpProtocolException(SmtpStep step, String message) {
        super(Printable.of(message));
        this.step = step;
    }

    /** The step whose reply was being read when the protocol broke, when known. */
    public Optional<SmtpStep> step() {
        return Optional.ofNullable(step);
    }

    /** This error attributed to {@code step}, unless it already names one. */
    public SmtpProtocolException at(SmtpStep step) {
        if (this.step != null) {
            return this;
        }
        SmtpProtocolException e = new SmtpProtocolException(step, getMessage());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
