package io.github.pipeliningsmtp.autoconfigure;

/**
 * Adaptive concurrency of the pool, bound from {@code smtp.pipelining.pool.adaptive-concurrency.*}:
 * when the server refuses a connection (4yz greeting) or a transaction for concurrency (e.g.
 * {@code 432 4.3.2} at DATA), the connections in use are halved (never below 1); after a run of
 * accepted messages the limit grows by one again, never above {@code pool.max-connections}.
 */
public class AdaptiveConcurrencyProperties {

    /** Whether the connections in use adapt to the server's concurrency refusals. */
    private boolean enabled = true;

    /** Accepted messages in a row after which the limit grows by one connection. */
    private int successesBeforeIncrease = 20;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public int getSuccessesBeforeIncrease() {
        return successesBeforeIncrease;
    }

    public void setSuccessesBeforeIncrease(int successesBeforeIncrease) {
        this.successesBeforeIncrease = successesBeforeIncrease;
    }
}
