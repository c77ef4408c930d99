package io.github.pipeliningsmtp.pacing;

/** Where a rate limit keeps its budget: the one field of {@link RateLimitStats#store()}. */
public enum StoreState {
    /** In this process's memory only (no shared store configured, or no limit at all). */
    LOCAL,
    /** In the shared store: every instance draws on one budget. */
    SHARED,
    /**
     * The shared store could not be reached: this instance keeps to its own share of the budget (the
     * rate divided by the expected number of instances) until the store answers again.
     */
    FALLBACK
}
