package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.util.Objects;
import java.util.Optional;

/**
 * One error of the ledger: the command as sent (for example {@code MAIL FROM}, {@code RCPT TO:<a@b>},
 * {@code DATA}, {@code DATA (end of data)}, {@code AUTH PLAIN}, {@code EHLO}, {@code greeting}),
 * the server's reply when there was one, the failure type, a description and the exception when
 * the error was local or of the connection (timeout, reset). Immutable. Never holds credentials.
 */
public final class SmtpError {

    private final String command;
    private final SmtpReply reply;
    private final FailureType type;
    private final String description;
    private final Throwable exception;

    private SmtpError(String command, SmtpReply reply, FailureType type, String description, Throwable exception) {
        this.command = Objects.requireNonNull(command);
        this.reply = reply;
        this.type = Objects.requireNonNull(type);
        this.description = Objects.requireNonNull(description);
        this.exception = exception;
    }

    /** A negative reply: 4yz is {@link FailureType#TRANSIENT}, 5yz {@link FailureType#PERMANENT}. */
    public static SmtpError ofReply(String command, SmtpReply reply) {
        FailureType type = reply.isPermanentNegative() ? FailureType.PERMANENT : FailureType.TRANSIENT;
        return new SmtpError(command, reply, type, reply.toString(), null);
    }

    /** The connection failed (I/O error, timeout, protocol error) while {@code command} awaited its reply. */
    public static SmtpError ofConnection(String command, Throwable exception) {
        return new SmtpError(command, null, FailureType.TRANSIENT, String.valueOf(exception.getMessage()), exception);
    }

    /** A failure of this client's own, such as content that could not be written. */
    public static SmtpError local(String command, String description, Throwable exception) {
        return new SmtpError(command, null, FailureType.LOCAL, description, exception);
    }

    /** A command that got no reply because the connection had already ended with {@code end}. */
    public static SmtpError notAnswered(String command, SmtpError end) {
        return new SmtpError(command, null, FailureType.TRANSIENT,
                "transaction aborted: the connection ended after " + end, end.exception);
    }

    /** All-or-nothing delivery gave up on an accepted recipient because of {@code cause}. */
    public static SmtpError abandoned(SmtpError cause) {
        return new SmtpError(cause.command, cause.reply, cause.type,
                "not sent: all-or-nothing delivery and another recipient was refused: " + cause.description, null);
    }

    /** The command as sent, without secrets. */
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

    /** Transient, permanent or local. */
    public FailureType type() {
        return type;
    }

    /** The reply text or the exception's message. */
    public String description() {
        return description;
    }

    /** The exception for a connection or local error. */
    public Optional<Throwable> exception() {
        return Optional.ofNullable(exception);
    }

    /** For example {@code {RCPT TO:<a@example.net>, 550 5.1.1 User unknown}} or {@code {EHLO, timeout ...}}. */
    @Override
    public String toString() {
        return "{" + command + ", " + (reply != null ? reply.toString() : type.name().toLowerCase() + ": " + description) + "}";
    }
}
