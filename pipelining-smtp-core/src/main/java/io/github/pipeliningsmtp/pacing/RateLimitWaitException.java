package io.github.pipeliningsmtp.pacing;

/**
 * The budget for a transaction could not be had within the rate limit's {@code maxWait}; nothing of
 * the budget was taken and nothing was written. The transaction is FAILED (TRANSIENT): sending it
 * later may work.
 */
public final class RateLimitWaitException extends Exception {

    private static final long serialVersionUID = 1L;

    public RateLimitWaitException(String message) {
        super(message);
    }
}
