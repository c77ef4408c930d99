package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.EOFException;

/** The server closed the connection (EOF) while {@link #step()} awaited its reply. */
public class SmtpConnectionClosedException extends EOFException {

    private static final long serialVersionUID = 1L;

    private final SmtpStep step;

    /**
     * @param step    the step whose reply was awaited
     * @param awaited the command as sent, for the message
     */
    public SmtpConnectionClosedException(SmtpStep step, String awaited) {
        super("connection closed by the server while waiting for the reply to " + awaited);
        this.step = step;
    }

    /** The step whose reply was awaited. */
    public SmtpStep step() {
        return step;
    }
}
