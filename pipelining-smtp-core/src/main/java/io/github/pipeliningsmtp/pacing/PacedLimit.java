package io.github.pipeliningsmtp.pacing;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every Bucket4j rate limit does around a reservation: counts, refusals with a clear reason,
 * the pace after the relay's rate refusals ({@link AdaptivePace}, {@link RateBackOff}: a transaction
 * takes its budget from the pace's local buckets first, then from the limit's own), and the sleep
 * until the reservation is due (outside the bucket call, so a shared store is never held while a
 * transaction waits). Thread-safe.
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
    private final AdaptivePace pace;

    /** With the {@link RateBackOff#DEFAULT default back-off} on the system clock, over the whole rates. */
    PacedLimit(RateLimits limits, Sleeper sleeper) {
        this(limits, 1, RateBackOff.DEFAULT, TimeMeter.SYSTEM_NANOTIME, sleeper);
    }

    /**
     * @param divisor the instances the rates are shared by (the pace is a fraction of the rates divided by it)
     * @param backOff how the pace follows the relay's rate refusals
     * @param clock   the time of the pace's buckets
     */
    PacedLimit(RateLimits limits, long divisor, RateBackOff backOff, TimeMeter clock, Sleeper sleeper) {
        if (limits.isUnlimited()) {
            throw new IllegalArgumentException("a rate limit needs a rate; use SendRateLimit.NONE for none");
        }
        this.limits = limits;
        this.sleeper = sleeper;
        this.pace = new AdaptivePace(limits, divisor, Objects.requireNonNull(backOff, "backOff"), clock);
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
        long due = reserveOnBoth(messages, recipients, maxWait);
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

    /**
     * The pace's buckets first, then the limit's own; what the first took is given back when the
     * second refuses.
     */
    private long reserveOnBoth(int messages, int recipients, long maxWait) throws InterruptedException {
        long paced = pace.reserve(messages, recipients, maxWait);
        if (paced < 0) {
            return -1;
        }
        long due = reserve(messages, recipients, maxWait);
        if (due < 0) {
            pace.giveBack(messages, recipients);
            return -1;
        }
        due = Math.max(due, paced);
        pace.admitted(due);
        return due;
    }

    @Override
    public final void await(Duration due) throws InterruptedException {
        if (!due.isNegative() && !due.isZero()) {
            sleeper.sleep(due.toNanos());
        }
    }

    @Override
    public final void relayRefusedRate() {
        pace.relayRefused();
    }

    @Override
    public final void relayAccepted() {
        pace.relayAccepted();
    }

    @Override
    public RateLimitStats stats() {
        return new RateLimitStats(admitted.get(), waited.get(), Duration.ofNanos(totalWaitNanos.get()), refused.get(),
                store(), storeFailures(), pace.pace(), pace.decreases(), pace.relayRefusals());
    }
}
