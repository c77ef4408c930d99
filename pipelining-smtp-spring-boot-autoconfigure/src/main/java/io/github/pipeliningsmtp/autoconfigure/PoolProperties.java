package io.github.pipeliningsmtp.autoconfigure;

import java.time.Duration;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/** Settings of the connection pool, bound from {@code smtp.pipelining.pool.*}. */
public class PoolProperties {

    /** Most connections open at once; a batch is spread over up to this many. */
    private int maxConnections = 4;

    /**
     * Fewest idle connections kept open: opened in the background at startup (greeting, EHLO,
     * STARTTLS, AUTH done before the first send; startup does not wait, a failure is one WARN)
     * and kept by the pool's evictor, which runs every 30 s at most.
     */
    private int minIdle;

    /** An idle connection is closed (QUIT) after this long unused. */
    private Duration maxIdleTime = Duration.ofSeconds(60);

    /**
     * Longest a send waits for one free connection before failing what it has not sent; a send
     * that needs several (past max-messages-per-connection, or a resend after a broken one) waits
     * up to this for each.
     */
    private Duration maxWait = Duration.ofSeconds(30);

    /**
     * A connection is retired after this many messages (transactions: each MAIL FROM counts, so a
     * message split over several transactions counts once for each); a send puts on a connection
     * only what it may still carry. 0 for no limit.
     */
    private int maxMessagesPerConnection = 1000;

    /** A connection is retired once this old; 0 for no limit. */
    private Duration maxConnectionAge = Duration.ofMinutes(10);

    /** Fewer connections in use when the server refuses for concurrency. */
    @NestedConfigurationProperty
    private final AdaptiveConcurrencyProperties adaptiveConcurrency = new AdaptiveConcurrencyProperties();

    public AdaptiveConcurrencyProperties getAdaptiveConcurrency() {
        return adaptiveConcurrency;
    }

    public int getMaxConnections() {
        return maxConnections;
    }

    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    public int getMinIdle() {
        return minIdle;
    }

    public void setMinIdle(int minIdle) {
        this.minIdle = minIdle;
    }

    public Duration getMaxIdleTime() {
        return maxIdleTime;
    }

    public void setMaxIdleTime(Duration maxIdleTime) {
        this.maxIdleTime = maxIdleTime;
    }

    public Duration getMaxWait() {
        return maxWait;
    }

    public void setMaxWait(Duration maxWait) {
        this.maxWait = maxWait;
    }

    public int getMaxMessagesPerConnection() {
        return maxMessagesPerConnection;
    }

    public void setMaxMessagesPerConnection(int maxMessagesPerConnection) {
        this.maxMessagesPerConnection = maxMessagesPerConnection;
    }

    public Duration getMaxConnectionAge() {
        return maxConnectionAge;
    }

    public void setMaxConnectionAge(Duration maxConnectionAge) {
        this.maxConnectionAge = maxConnectionAge;
    }
}
