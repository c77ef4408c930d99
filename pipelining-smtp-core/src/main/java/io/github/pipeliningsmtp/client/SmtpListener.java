package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.time.Duration;

/**
 * The one listener of the engine (for metrics), in the style of HikariCP's metrics tracker: every
 * method has a no-op default, so an implementation overrides only what it counts. It is handed to
 * what reports: a connection ({@link SmtpConnection#open(ConnectionSettings, SendingOptions,
 * SmtpListener)}) tells replies and round trips, the pool tells connections opened and retired,
 * and the delivery of a batch tells its report. Never given credentials: only command verbs and
 * replies.
 *
 * <p>Threads: called on the threads that read connections, open and retire them, and send
 * batches, many at once; implementations must be thread-safe, fast, and must not throw.
 */
public interface SmtpListener {

    /** Does nothing; what a health check or a test uses so that nothing is counted. */
    SmtpListener NONE = new SmtpListener() {
    };

    /**
     * A reply arrived.
     *
     * @param command the verb it answered: {@code EHLO}, {@code HELO}, {@code STARTTLS}, {@code AUTH},
     *                {@code MAIL}, {@code RCPT}, {@code DATA}, {@code END_OF_DATA}, {@code BDAT},
     *                {@code RSET}, {@code NOOP}, {@code QUIT} or {@code GREETING}
     */
    default void replyReceived(String command, SmtpReply reply) {
    }

    /** The client wrote and then waited for replies: one round trip. */
    default void roundTrip() {
    }

    /** A connection was opened and its session set up. */
    default void connectionOpened() {
    }

    /** A connection was closed and left the pool. */
    default void connectionRetired(RetireReason reason) {
    }

    /** A batch ended: every recipient of every message is SUCCEEDED, FAILED or UNKNOWN. */
    default void batchCompleted(SendReport report, Duration elapsed) {
    }

    /**
     * A reply was recognised as throttling ({@link ThrottleKind#classify}); told by the pool, on the
     * thread that read the reply, right after {@link #replyReceived}.
     *
     * @param command the verb it answered, as in {@link #replyReceived}
     */
    default void throttled(ThrottleKind kind, String command, SmtpReply reply) {
    }

    /**
     * Automatic retry is about to send {@code recipients} recipients (of {@code messages} messages)
     * again, after waiting {@code backOff}; told on the sending thread before it waits.
     */
    default void retrying(int messages, int recipients, Duration backOff) {
    }

    /**
     * Automatic retry waited {@code waited} before a new attempt (less than its back-off when
     * interrupted); told on the sending thread.
     */
    default void retryWaited(Duration waited) {
    }

    /**
     * The pool's adaptive concurrency limit changed to {@code limit} connections in use at once
     * (between 1 and {@code max-connections}); told on the thread whose reply changed it.
     */
    default void concurrencyLimitChanged(int limit) {
    }
}
