package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.net.SocketTimeoutException;

/**
 * A wait ran past its timeout: connect, the greeting, a command's reply, the end of data's reply,
 * or writing content that the server stopped reading. The message names what was awaited, e.g.
 * {@code timed out after 3000 ms waiting for the reply to EHLO}. The connection is closed.
 */
public class SmtpTimeoutException extends SmtpException {

    private static final long serialVersionUID = 1L;

    private final SmtpStep step;
    private final String command;

    /**
     * @param step    the step whose reply (or progress) was awaited
     * @param command what was awaited (command as sent, {@code greeting}, {@code connect})
     * @param millis  the timeout that ran out, ms
     */
    public SmtpTimeoutException(SmtpStep step, String command, long millis, SocketTimeoutException cause) {
        super("timed out after " + millis + " ms waiting for the reply to " + command, null, cause);
        this.step = step;
        this.command = command;
    }

    /**
     * @param step    the step whose reply (or progress) was awaited
     * @param command what was awaited
     * @param message the whole message
     */
    public SmtpTimeoutException(SmtpStep step, String command, String message, SocketTimeoutException cause) {
        super(message, null, cause);
        this.step = step;
        this.command = command;
    }

    /** The step whose reply (or progress) was awaited. */
    public SmtpStep step() {
        return step;
    }

    /** What was awaited. */
    public String command() {
        return command;
    }
}
