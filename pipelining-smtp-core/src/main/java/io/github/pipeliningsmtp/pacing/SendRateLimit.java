package io.github.pipeliningsmtp.pacing;

import java.time.Duration;

/**
 * The budget every transaction of a sender draws on before its MAIL FROM is written: messages and
 * recipients per second and per minute ({@link RateLimits}), for all connections together.
 *
 * <p>Thread-safe: every connection of the sender calls {@link #acquire} from its own sending thread;
 * waiters are served in the order they reserve. {@link #NONE} admits everything at once.
 */
public interface SendRateLimit {

    /** No limit: admits every transaction at once. */
    SendRateLimit NONE = new SendRateLimit() {
        @Override
        public Duration acquire(int messages, int recipients) {
            return Duration.ZERO;
        }

        @Override
        public int burst() {
            return Integer.MAX_VALUE;
        }

        @Override
        public RateLimitStats stats() {
            return new RateLimitStats(0, 0, Duration.ZERO, 0, StoreState.LOCAL, 0);
        }

        @Override
        public String toString() {
            return "SendRateLimit.NONE";
        }
    };

    /**
     * Takes the budget of one transaction and sleeps the calling thread until it is due: at most the
     * limit's {@link RateLimits#maxWait()} (30 s by default). A transaction with more recipients than
     * a bucket holds at once draws the bucket below zero and waits until it is paid back, so the
     * rate still holds on average.
     *
     * @param messages   messages (transactions) about to start, usually 1
     * @param recipients RCPT TO about to be written
     * @return how long the caller waited (zero when the budget was there)
     * @throws RateLimitWaitException when the wait would pass {@code maxWait}; nothing was taken, and
     *                                the caller must not send the transaction
     * @throws InterruptedException   when the thread is interrupted while it waits; the budget it
     *                                reserved is spent (never given to another transaction twice)
     */
    Duration acquire(int messages, int recipients) throws RateLimitWaitException, InterruptedException;

    /**
     * Takes the budget of one transaction like {@link #acquire}, but leaves the wait to the caller:
     * returns how long after this call the budget is due, and the caller passes that to
     * {@link #await} once it has done what must not wait (a pipelining connection first writes the
     * content the server is waiting for, so that the server never holds a transaction open while
     * the client waits for its budget). The default waits inside, as {@link #acquire}, and returns
     * zero.
     *
     * @return how long the caller must still wait, zero or more
     * @throws RateLimitWaitException as {@link #acquire}: nothing was taken
     * @throws InterruptedException   as {@link #acquire}
     */
    default Duration reserve(int messages, int recipients) throws RateLimitWaitException, InterruptedException {
        acquire(messages, recipients);
        return Duration.ZERO;
    }

    /**
     * Sleeps the calling thread for {@code due} (what {@link #reserve} returned, less the time since
     * spent); returns at once when it is zero or negative.
     *
     * @throws InterruptedException when interrupted; the budget reserved is spent
     */
    default void await(Duration due) throws InterruptedException {
        if (!due.isNegative() && !due.isZero()) {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(due.toNanos());
        }
    }

    /**
     * The relay refused a transaction for its rate (a {@code ThrottleKind.RATE} reply, such as
     * {@code 454 Throttling failure: Maximum sending rate exceeded}): a limit that adapts slows its
     * pace ({@link RateBackOff}). Called by the connection pool on the thread that read the reply;
     * must not block. The default does nothing.
     */
    default void relayRefusedRate() {
    }

    /**
     * The relay accepted a message (a 2yz to its end of data or to a BDAT chunk): a limit that
     * adapts counts it towards raising its pace again. Called as {@link #relayRefusedRate}; the
     * default does nothing.
     */
    default void relayAccepted() {
    }

    /**
     * The most messages this limit lets go out at once (the message bucket's capacity), which caps a
     * BDAT window so that transactions whose budget came in turn are not written as one burst;
     * {@link Integer#MAX_VALUE} without a message rate.
     */
    int burst();

    /** What the limit did so far, and where it keeps its budget now. */
    RateLimitStats stats();
}
