package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.protocol.Printable;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.springframework.mail.MailSendException;

/**
 * The {@link MailSendException} of {@link PipelinedMailSender}: Spring's own lists every failed
 * message in {@code getMessage()}, {@code toString()} and {@code printStackTrace()}, which for a batch
 * of 500 failures is a message of tens of thousands of characters in every log line. This one shows
 * the counts, the first {@value #SHOWN} failures (each escaped, {@link Printable}, and cut to
 * {@value #FAILURE_CHARS} characters) and "and N more"; {@link #getFailedMessages()} and
 * {@link #getMessageExceptions()} still hold every failure, complete.
 */
final class BoundedMailSendException extends MailSendException {

    private static final long serialVersionUID = 1L;

    /** How many failures the message and the stack trace show. */
    static final int SHOWN = 3;

    /** The longest text shown for one failure. */
    static final int FAILURE_CHARS = 200;

    private final String message;

    /**
     * @param summary what happened in a few words (counts), without server text
     * @param cause   the first failure's cause, or null
     * @param failed  every failed message, in order, with its exception
     */
    BoundedMailSendException(String summary, Throwable cause, Map<Object, Exception> failed) {
        super(summary, cause, failed);
        this.message = describe(summary, getMessageExceptions());
    }

    private static String describe(String summary, Exception[] failures) {
        StringBuilder sb = new StringBuilder(Printable.of(summary)).append(". Failed messages: ");
        for (int i = 0; i < Math.min(SHOWN, failures.length); i++) {
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(shown(failures[i]));
        }
        if (failures.length > SHOWN) {
            sb.append("; and ").append(failures.length - SHOWN).append(" more (every one in getFailedMessages())");
        }
        return sb.toString();
    }

    /** One failure as shown: {@code SimpleName: message}, escaped, at most {@value #FAILURE_CHARS} characters. */
    static String shown(Exception failure) {
        return Printable.of(failure.getClass().getSimpleName() + ": " + failure.getMessage(), FAILURE_CHARS);
    }

    @Override
    public String getMessage() {
        return message;
    }

    @Override
    public String toString() {
        return getClass().getName() + ": " + message;
    }

    /** This exception's trace, then the traces of the first {@value #SHOWN} failures only. */
    @Override
    public void printStackTrace(PrintWriter pw) {
        pw.println(this);
        for (StackTraceElement element : getStackTrace()) {
            pw.println("\tat " + element);
        }
        Exception[] failures = getMessageExceptions();
        for (int i = 0; i < Math.min(SHOWN, failures.length); i++) {
            pw.println("Failed message " + (i + 1) + " of " + failures.length + ":");
            failures[i].printStackTrace(pw);
        }
        if (failures.length > SHOWN) {
            pw.println("... and " + (failures.length - SHOWN) + " more failed messages (every one in getFailedMessages())");
        }
        pw.flush();
    }

    @Override
    public void printStackTrace(PrintStream ps) {
        StringWriter text = new StringWriter();
        printStackTrace(new PrintWriter(text));
        ps.print(text);
        ps.flush();
    }
}
