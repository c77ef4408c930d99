package io.github.pipeliningsmtp.pacing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every Bucket4j rate limit does around a reservation: counts, refusals with a clear reason,
 * and the sleep until the reservation is due (outside the bucket call, so a shared store is never
 * held while a transaction waits). Thread-safe.
 */
abstract class PacedLimit implements SendRateLimit {

    /** How the calling thread waits; {@link TimeUnit#sleep} except in tests. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    static final Sleeper SLEEP = TimeUnit.NANOSECONDS::sleep;

    private final RateLimits limits;
    private final Sleeper sleeper;
    private final AtomicLong admitted = new AtomicLong();
    private final AtomicLong waited = new AtomicLong();
    private final AtomicLong totalWaitNanos = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    PacedLimit(RateLimits limits, Sleeper sleeper) {
        if (limits.isUnlimited()) {
            throw new IllegalArgumentException("a rate limit needs a rate; use SendRateLimit.NONE for none");
        }
        this.limits = limits;
        this.sleeper = sleeper;
    }

    /** The rates. */
    public RateLimits limits() {
        return limits;
    }

    /** Nanoseconds until the reservation is due, or -1 when it would pass {@code maxWaitNanos} (nothing taken). */
    abstract long reserve(int messages, int recipients, long maxWaitNanos) throws InterruptedException;

    abstract StoreState store();

    long storeFailures() {
        return 0;
    }

    @Override
    public final Duration acquire(int messages, int recipients) throws RateLimitWaitException, InterruptedException {
        Duration due = reserve(messages, recipients);
        await(due);
        return due;
    }

    @Override
    public final Duration reserve(int messages, int recipients) throws RateLimitWaitException, InterruptedException {
        if (messages < 0 || recipients < 0) {
            throw new IllegalArgumentException("messages and recipients must not be negative: " + messages + ", "
                    + recipients);
        }
        long maxWait = limits.maxWait().toNanos();
        long due = reserve(messages, recipients, maxWait);
        if (due < 0) {
            refused.incrementAndGet();
            throw new RateLimitWaitException("not sent: the send rate limit (" + limits + ", budget " + store()
                    + ") had no room for " + messages + " message(s) and " + recipients + " recipient(s) within "
                    + limits.maxWait().toMillis() + " ms");
        }
        admitted.incrementAndGet();
        if (due > 0) {
            waited.incrementAndGet();
            totalWaitNanos.addAndGet(due);
        }
        return Duration.ofNanos(due);
    }

    @Override
    public final void await(Duration due) throws InterruptedException {
        if (!due.isNegative() && !due.isZero()) {
            sleeper.sleep(due.toNanos());
        }
    }

    @Override
    public RateLimitStats stats() {
        return new RateLimitStats(admitted.get(), waited.get(), Duration.ofNanos(totalWaitNanos.get()), refused.get(),
                store(), storeFailures());
    }
}
