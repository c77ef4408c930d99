package io.github.pipeliningsmtp.testing;

/**
 * An {@link SmtpScript} met something other than what its next step expected: another command, end
 * of stream, a reset, or a command after its last step. The server records it in
 * {@link ScriptedSmtpServer#scriptErrors()} and closes the connection, so the test fails with the
 * message, e.g. {@code connection 0, step 5 of 9: expected a line starting with "MAIL FROM:<", got
 * "RSET"}.
 */
public final class ScriptMismatchError extends AssertionError {

    private static final long serialVersionUID = 1L;

    private final int connectionIndex;
    private final int step;
    private final String expected;
    private final String actual;

    /**
     * @param connectionIndex the connection the script ran on
     * @param step the index (from 0) of the step that did not match; the step count for a line after
     *     the last step
     * @param stepCount how many steps the script has
     * @param expected what the step expected
     * @param actual the line that came instead (without line end), or null when the connection ended
     * @param ending when {@code actual} is null, how the connection ended (e.g. {@code "end of stream"})
     */
    public ScriptMismatchError(int connectionIndex, int step, int stepCount, String expected, String actual,
                               String ending) {
        super("connection " + connectionIndex + ", step " + step + " of " + stepCount + ": expected " + expected
                + ", got " + (actual != null ? '"' + actual + '"' : ending));
        this.connectionIndex = connectionIndex;
        this.step = step;
        this.expected = expected;
        this.actual = actual;
    }

    /** Returns the connection index. */
    public int connectionIndex() {
        return connectionIndex;
    }

    /** Returns the index of the step that did not match. */
    public int step() {
        return step;
    }

    /** Returns the description of what was expected. */
    public String expected() {
        return expected;
    }

    /** Returns the line that came instead, or null when the connection ended instead. */
    public String actual() {
        return actual;
    }
}
