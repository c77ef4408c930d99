package io.github.pipeliningsmtp.pacing;

import io.github.bucket4j.TimeMeter;

/**
 * A rate limit kept in this process's memory (Bucket4j local buckets): the default, right for one
 * instance of an application; several instances each get the whole rate. Thread-safe; one per sender.
 * See {@link TokenBuckets} for how each rate becomes a bucket. After a rate refusal from the relay
 * it slows to a fraction of the rates and finds them again after a run of accepted messages
 * ({@link RateBackOff#DEFAULT} unless another back-off is given).
 */
public final class LocalSendRateLimit extends PacedLimit {

    private final TokenBuckets buckets;

    /**
     * @throws IllegalArgumentException when {@code limits} sets no rate
     */
    public LocalSendRateLimit(RateLimits limits) {
        this(limits, RateBackOff.DEFAULT);
    }

    /**
     * @param backOff how the pace follows the relay's rate refusals; {@link RateBackOff#OFF} keeps to the rates
     * @throws IllegalArgumentException when {@code limits} sets no rate
     */
    public LocalSendRateLimit(RateLimits limits, RateBackOff backOff) {
        this(limits, 1, backOff, TimeMeter.SYSTEM_NANOTIME, SLEEP);
    }

    /** A share of the rates ({@code divisor} instances), on the given clock and sleeper (tests, fallback). */
    LocalSendRateLimit(RateLimits limits, long divisor, TimeMeter clock, Sleeper sleeper) {
        this(limits, divisor, RateBackOff.DEFAULT, clock, sleeper);
    }

    LocalSendRateLimit(RateLimits limits, long divisor, RateBackOff backOff, TimeMeter clock, Sleeper sleeper) {
        super(limits, divisor, backOff, clock, sleeper);
        this.buckets = TokenBuckets.of(limits, divisor, TokenBuckets.local(clock));
    }

    @Override
    long reserve(int messages, int recipients, long maxWaitNanos) throws InterruptedException {
        return buckets.reserve(messages, recipients, maxWaitNanos);
    }

    @Override
    StoreState store() {
        return StoreState.LOCAL;
    }

    @Override
    public int burst() {
        return buckets.burst();
    }

    @Override
    public String toString() {
        return "LocalSendRateLimit[" + limits() + "]";
    }
}
