package io.github.pipeliningsmtp.pacing;

import java.time.Duration;

/**
 * What a rate limit did since it was created, for metrics and health: transactions admitted, how many
 * of them had to wait and for how long in all, transactions refused (their wait would have run out),
 * where the budget is kept now, how many times the shared store could not be reached, and the pace
 * the relay's rate refusals left it at ({@link RateBackOff}).
 *
 * @param admitted      transactions given their budget
 * @param waited        of those, transactions that had to wait
 * @param totalWait     time spent waiting, over every transaction
 * @param refused       transactions refused because their wait would have passed {@code maxWait}
 * @param store         where the budget is kept now
 * @param storeFailures times a call to the shared store failed or timed out
 * @param pace          the fraction of the configured rates kept to now, in (0, 1]; 1 unless the relay refused for its rate
 * @param paceDecreases times the pace was lowered after a rate refusal (one per burst of refusals)
 * @param relayRateRefusals rate refusals the relay gave ({@link SendRateLimit#relayRefusedRate()}), counted towards the pace or not
 */
public record RateLimitStats(long admitted, long waited, Duration totalWait, long refused, StoreState store,
                             long storeFailures, double pace, long paceDecreases, long relayRateRefusals) {

    /** At the full pace, no rate refusal seen. */
    public RateLimitStats(long admitted, long waited, Duration totalWait, long refused, StoreState store,
                          long storeFailures) {
        this(admitted, waited, totalWait, refused, store, storeFailures, 1, 0, 0);
    }
}
