package io.github.pipeliningsmtp.pacing;

import java.time.Duration;

/**
 * What a rate limit did since it was created, for metrics and health: transactions admitted, how many
 * of them had to wait and for how long in all, transactions refused (their wait would have run out),
 * where the budget is kept now, and how many times the shared store could not be reached.
 *
 * @param admitted      transactions given their budget
 * @param waited        of those, transactions that had to wait
 * @param totalWait     time spent waiting, over every transaction
 * @param refused       transactions refused because their wait would have passed {@code maxWait}
 * @param store         where the budget is kept now
 * @param storeFailures times a call to the shared store failed or timed out
 */
public record RateLimitStats(long admitted, long waited, Duration totalWait, long refused, StoreState store,
                             long storeFailures) {
}
