package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.Printable;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.util.Objects;
import java.util.Optional;

/**
 * One error of the ledger: the {@linkplain #step() SMTP step} that received it, the command as
 * sent (for example {@code MAIL FROM}, {@code RCPT TO:<a@b>}, {@code DATA}, {@code DATA (end of
 * data)}, {@code BDAT 1024 LAST}, {@code AUTH PLAIN}, {@code EHLO}, {@code greeting}), the server's
 * reply when there was one, the {@linkplain FailureType failure type}, a description and the
 * exception when the error was local or of the connection (timeout, reset). Immutable. Never holds
 * credentials.
 */
public final class SmtpError {

    private final SmtpStep step;
    private final String command;
    private final SmtpReply reply;
    private final FailureType type;
    private final String description;
    private final Throwable exception;

    private SmtpError(SmtpStep step, String command, SmtpReply reply, FailureType type, String description,
                      Throwable exception) {
        this.step = Objects.requireNonNull(step);
        this.command = command != null ? command : step.label();
        this.reply = reply;
        this.type = Objects.requireNonNull(type);
        this.description = Printable.of(Objects.requireNonNull(description));
        this.exception = exception;
    }

    /** A negative reply to {@code command}: 4yz is {@link FailureType#TRANSIENT}, 5yz {@link FailureType#PERMANENT}. */
    public static SmtpError ofReply(SmtpCommand command, SmtpReply reply) {
        return ofReply(SmtpStep.of(command.verb()), command.display(), reply);
    }

    /** A negative reply at {@code step}, shown as {@code display} (null: the step's label). */
    public static SmtpError ofReply(SmtpStep step, String display, SmtpReply reply) {
        return new SmtpError(step, display, reply, typeOf(reply), reply.toString(), null);
    }

    /** A negative reply at {@code step}, of the given type (a refused AUTH is {@link FailureType#CONFIGURATION}). */
    public static SmtpError ofReply(SmtpStep step, String display, SmtpReply reply, FailureType type) {
        return new SmtpError(step, display, reply, type, reply.toString(), null);
    }

    /**
     * The connection failed (I/O error, timeout, protocol error) while {@code step} awaited its reply:
     * {@link FailureType#TRANSIENT}.
     */
    public static SmtpError ofConnection(SmtpStep step, String display, Throwable exception) {
        return new SmtpError(step, display, null, FailureType.TRANSIENT, String.valueOf(exception.getMessage()),
                exception);
    }

    /** A failure of this client's own at {@code step}, such as content that could not be written: {@link FailureType#LOCAL}. */
    public static SmtpError local(SmtpStep step, String description, Throwable exception) {
        return new SmtpError(step, null, null, FailureType.LOCAL, description, exception);
    }

    /** As {@link #local(SmtpStep, String, Throwable)}, shown as {@code display}. */
    public static SmtpError local(SmtpStep step, String display, String description, Throwable exception) {
        return new SmtpError(step, display, null, FailureType.LOCAL, description, exception);
    }

    /**
     * A configuration or security failure at {@code step} that no retry fixes until the configuration
     * changes (an untrusted certificate, a wrong host name, STARTTLS required but not offered).
     */
    public static SmtpError configuration(SmtpStep step, String display, String description, Throwable exception) {
        return new SmtpError(step, display, null, FailureType.CONFIGURATION, description, exception);
    }

    /** A command that got no reply because the connection had already ended with {@code end}. */
    public static SmtpError notAnswered(SmtpStep step, String display, SmtpError end) {
        return new SmtpError(step, display, null, FailureType.TRANSIENT,
                "transaction aborted: the connection ended after " + end, end.exception);
    }

    /**
     * A reply at {@code step} that contradicts what the client knows of the server's state (503 to
     * MAIL FROM, 2yz to DATA, a reply to a command never sent): the client no longer knows what the
     * commands after it did. {@link FailureType#TRANSIENT}: nothing of a message it marks FAILED was
     * written, so it may be sent again, on another connection.
     */
    public static SmtpError outOfStep(SmtpStep step, String display, SmtpReply reply, String description) {
        return new SmtpError(step, display, reply, FailureType.TRANSIENT, description, null);
    }

    /** All-or-nothing delivery gave up on an accepted recipient because of {@code cause}. */
    public static SmtpError abandoned(SmtpError cause) {
        return new SmtpError(cause.step, cause.command, cause.reply, cause.type,
                "not sent: all-or-nothing delivery and another recipient was refused: " + cause.description, null);
    }

    private static FailureType typeOf(SmtpReply reply) {
        return reply.isPermanentNegative() ? FailureType.PERMANENT : FailureType.TRANSIENT;
    }

    /** The SMTP step that received this error. */
    public SmtpStep step() {
        return step;
    }

    /** The command as sent, without secrets (derived from the step when no command text is more precise). */
    public String command() {
        return command;
    }

    /** The server's reply, empty when the error was not a reply. */
    public Optional<SmtpReply> reply() {
        return Optional.ofNullable(reply);
    }

    /** The reply code, or 0 when there was no reply. */
    public int code() {
        return reply == null ? 0 : reply.code();
    }

    /** The enhanced status code (RFC 3463) of the reply, when it had one. */
    public Optional<String> enhancedStatusCode() {
        return reply == null ? Optional.empty() : reply.enhancedStatusCode();
    }

    /**
     * What kind of "slow down" the reply was ({@link ThrottleKind#classify}), empty when there was
     * no reply or it was not throttling.
     */
    public Optional<ThrottleKind> throttle() {
        return ThrottleKind.classify(reply);
    }

    /** Transient, permanent, local or configuration. */
    public FailureType type() {
        return type;
    }

    /** The reply text or the exception's message, with control and line-separator characters escaped ({@link Printable}). */
    public String description() {
        return description;
    }

    /** The exception for a connection or local error. */
    public Optional<Throwable> exception() {
        return Optional.ofNullable(exception);
    }

    /**
     * For example {@code {RCPT TO:<a@example.net>, 550 5.1.1 User unknown}} or {@code {EHLO, timeout ...}},
     * with control and line-separator characters escaped ({@link Printable}); the raw reply is in
     * {@link #reply()}.
     */
    @Override
    public String toString() {
        return Printable.of("{" + command + ", "
                + (reply != null ? reply.toString() : type.name().toLowerCase() + ": " + description) + "}");
    }
}
