package io.github.pipeliningsmtp.pacing;

import io.github.bucket4j.TimeMeter;
import java.lang.System.Logger.Level;

/**
 * The pace of a rate limit after the relay's rate refusals ({@link RateBackOff}): a fraction of the
 * configured rates, kept in parts per million, and local Bucket4j buckets at that fraction of the
 * rates (the configured rates' bandwidths with every refill period stretched by {@code 1 / pace}),
 * which each transaction draws on besides the limit's own buckets. They are drawn on at the full pace
 * too (where they give the same times as the limit's own, for a local limit), so that when the pace
 * drops they hold what was already reserved ahead and the slower pace applies from the next
 * reservation, not once the reservations made before it have run out.
 *
 * <p>Thread-safe: one lock guards the pace, the run of accepted messages and the burst horizon; the
 * buckets are Bucket4j's (thread-safe) and are reconfigured under the lock, keeping what they hold
 * and what is reserved ahead ({@link TokenBuckets#restretch}).
 */
final class AdaptivePace {

    private static final System.Logger LOG = System.getLogger(AdaptivePace.class.getName());
    static final long FULL = 1_000_000;

    private final RateLimits limits;
    private final long divisor;
    private final RateBackOff backOff;
    private final TimeMeter clock;
    private final long periodNanos;
    private final long floorPpm;
    private final long increasePpm;
    private final TokenBuckets buckets;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: the pace, parts per million of the rates. */
    private long pacePpm = FULL;
    private int run;
    /** Clock time of the latest due of any reservation so far. */
    private long latestDue = Long.MIN_VALUE;
    private boolean holding;
    /** While {@link #holding}: when refusals count again (the end of the burst that was counted). */
    private long countAgainAt;
    private long decreases;
    private long relayRefusals;

    /**
     * @param limits  the configured rates
     * @param divisor the instances they are shared by (as the limit's own buckets)
     * @param backOff how the pace changes
     * @param clock   the time the buckets and the burst horizon are measured on
     */
    AdaptivePace(RateLimits limits, long divisor, RateBackOff backOff, TimeMeter clock) {
        this.limits = limits;
        this.divisor = divisor;
        this.backOff = backOff;
        this.clock = clock;
        boolean perSecond = limits.messagesPerSecond() > 0 || limits.recipientsPerSecond() > 0;
        this.periodNanos = (perSecond ? 1_000_000_000L : 60_000_000_000L) * divisor;
        this.floorPpm = Math.max(1, Math.round(backOff.floor() * FULL));
        this.increasePpm = Math.max(1, Math.round(backOff.increase() * FULL));
        this.buckets = TokenBuckets.of(limits, divisor, 1, TokenBuckets.local(clock));
    }

    /**
     * Reserves a transaction's budget on the pace's buckets ({@link TokenBuckets#reserve}).
     *
     * @return nanoseconds until it is due, or -1 when later than {@code maxWaitNanos} (nothing taken)
     */
    long reserve(int messages, int recipients, long maxWaitNanos) throws InterruptedException {
        // without back-off the pace never moves: its buckets would only repeat the limit's own
        return backOff.adaptive() ? buckets.reserve(messages, recipients, maxWaitNanos) : 0;
    }

    /** Gives back a reservation of {@link #reserve} whose transaction was refused by the limit's own buckets. */
    void giveBack(int messages, int recipients) {
        if (backOff.adaptive()) {
            buckets.giveBack(messages, recipients);
        }
    }

    /** A transaction was admitted, due {@code dueNanos} from now: refusals until then belong to the current burst. */
    void admitted(long dueNanos) {
        long due = clock.currentTimeNanos() + dueNanos;
        synchronized (lock) {
            if (latestDue == Long.MIN_VALUE || due - latestDue > 0) {
                latestDue = due;
            }
        }
    }

    /**
     * The relay refused a transaction for its rate: the pace drops by {@link RateBackOff#decrease()}
     * (not below the floor) unless the refusal belongs to a burst already counted; the run of accepted
     * messages starts again.
     */
    void relayRefused() {
        long before;
        long after;
        synchronized (lock) {
            relayRefusals++;
            run = 0;
            long now = clock.currentTimeNanos();
            if (!backOff.adaptive() || holding && now - countAgainAt < 0) {
                return;
            }
            // the transactions reserved before this refusal were spaced at the old pace: their
            // refusals are this burst's, until they are due and the relay's window has moved on
            long horizon = latestDue == Long.MIN_VALUE || latestDue - now < 0 ? now : latestDue;
            holding = true;
            countAgainAt = horizon + periodNanos;
            before = pacePpm;
            after = Math.max(floorPpm, Math.round(before * (1 - backOff.decrease())));
            if (after >= before) {
                return;
            }
            decreases++;
            setPace(after);
        }
        LOG.log(Level.DEBUG, "the relay refused a transaction for its rate: send rate limit {0} now at {1} % of its rates",
                limits, after / 10_000.0);
    }

    /** The relay accepted a message: after a run of {@link RateBackOff#increaseAfter()} the pace rises. */
    void relayAccepted() {
        long after;
        synchronized (lock) {
            if (pacePpm >= FULL) {
                run = 0;
                return;
            }
            if (++run < backOff.increaseAfter()) {
                return;
            }
            run = 0;
            after = Math.min(FULL, pacePpm + increasePpm);
            setPace(after);
        }
        LOG.log(Level.DEBUG, "send rate limit {0} back up to {1} % of its rates", limits, after / 10_000.0);
    }

    /** Under the lock. */
    private void setPace(long ppm) {
        buckets.restretch(limits, divisor, (double) FULL / ppm);
        pacePpm = ppm;
    }

    /** The pace: the fraction of the configured rates the limit keeps to now, in (0, 1]. */
    double pace() {
        synchronized (lock) {
            return pacePpm / (double) FULL;
        }
    }

    /** How many times the pace was lowered. */
    long decreases() {
        synchronized (lock) {
            return decreases;
        }
    }

    /** Rate refusals the relay gave, counted or not. */
    long relayRefusals() {
        synchronized (lock) {
            return relayRefusals;
        }
    }
}
