package io.github.pipeliningsmtp.autoconfigure;

import java.time.Duration;

/**
 * {@code smtp.pipelining.rate.shared.*}: the rate budget kept in PostgreSQL (Bucket4j over JDBC, the
 * application's {@code DataSource} bean) so that several instances keep to it together. Needs
 * {@code com.bucket4j:bucket4j_jdk17-postgresql} and the PostgreSQL JDBC driver.
 */
public class SharedRateProperties {

    /** Share the rate budget with the other instances through the DataSource's PostgreSQL. */
    private boolean enabled;

    /**
     * Names the budget: instances with the same key (and the same rates) share it. Default: the
     * relay account, {@code username@host} (or the host without a username).
     */
    private String key;

    /**
     * Instances expected to share the budget: while the store cannot be reached, each instance keeps
     * to the rates divided by this number.
     */
    private int expectedInstances = 2;

    /**
     * How long an instance that cannot reach the store waits after a failed try before the next
     * (made by its next transaction).
     */
    private Duration retryInterval = Duration.ofSeconds(10);

    /**
     * Longest wait for one call to the store before the instance falls back to its own share; a call
     * without an answer by then is abandoned and its JDBC connections aborted.
     */
    private Duration storeTimeout = Duration.ofSeconds(2);

    /** The table of the budgets; created if missing. */
    private String table = "smtp_pipelining_rate_limit";

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public int getExpectedInstances() {
        return expectedInstances;
    }

    public void setExpectedInstances(int expectedInstances) {
        this.expectedInstances = expectedInstances;
    }

    public Duration getRetryInterval() {
        return retryInterval;
    }

    public void setRetryInterval(Duration retryInterval) {
        this.retryInterval = retryInterval;
    }

    public Duration getStoreTimeout() {
        return storeTimeout;
    }

    public void setStoreTimeout(Duration storeTimeout) {
        this.storeTimeout = storeTimeout;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }
}
