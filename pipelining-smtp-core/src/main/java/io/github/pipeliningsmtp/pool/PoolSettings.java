package io.github.pipeliningsmtp.pool;

import java.time.Duration;

/**
 * Settings of a {@link SmtpConnectionPool}. Immutable; invalid values are rejected by the builder
 * with a message naming the setting.
 *
 * <p>Defaults: 4 connections at most, 0 kept idle at least, idle connections closed after 60 s,
 * a borrower waits at most 30 s, a connection is retired after 1,000 messages or 10 minutes
 * (0 means no limit for either); adaptive concurrency on, raised by one after 20 accepted contents
 * in a row (see {@link #adaptiveConcurrency()}).
 */
public final class PoolSettings {

    private final int maxConnections;
    private final int minIdle;
    private final Duration maxIdleTime;
    private final Duration maxWait;
    private final int maxMessagesPerConnection;
    private final Duration maxConnectionAge;
    private final boolean adaptiveConcurrency;
    private final int successesBeforeIncrease;

    private PoolSettings(Builder b) {
        this.maxConnections = b.maxConnections;
        this.minIdle = b.minIdle;
        this.maxIdleTime = b.maxIdleTime;
        this.maxWait = b.maxWait;
        this.maxMessagesPerConnection = b.maxMessagesPerConnection;
        this.maxConnectionAge = b.maxConnectionAge;
        this.adaptiveConcurrency = b.adaptiveConcurrency;
        this.successesBeforeIncrease = b.successesBeforeIncrease;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static PoolSettings defaults() {
        return builder().build();
    }

    /** Most connections open at once (borrowed and idle). */
    public int maxConnections() {
        return maxConnections;
    }

    /** Fewest idle connections the evictor keeps open. */
    public int minIdle() {
        return minIdle;
    }

    /** An idle connection is closed (QUIT) after this long unused. */
    public Duration maxIdleTime() {
        return maxIdleTime;
    }

    /** Longest a borrower waits for a connection. */
    public Duration maxWait() {
        return maxWait;
    }

    /**
     * Most transactions (MAIL FROM commands; each transaction of a split message counts) one
     * connection carries: a send puts on a connection only what it may still carry, and the pool
     * retires it once it has carried this many; 0 for no limit.
     */
    public int maxMessagesPerConnection() {
        return maxMessagesPerConnection;
    }

    /** A connection is retired once this old (checked when it is returned or borrowed); zero for no limit. */
    public Duration maxConnectionAge() {
        return maxConnectionAge;
    }

    /**
     * Whether the number of connections in use adapts to the server: halved (never below 1) when the
     * server refuses a connection (4yz greeting) or a transaction for concurrency (e.g. {@code 432
     * 4.3.2} at DATA), raised by one after {@link #successesBeforeIncrease()} accepted contents in a
     * row, never above {@link #maxConnections()}. Borrowers wait for a place within {@link #maxWait()}.
     */
    public boolean adaptiveConcurrency() {
        return adaptiveConcurrency;
    }

    /** Accepted contents in a row after which an adaptive limit grows by one connection. */
    public int successesBeforeIncrease() {
        return successesBeforeIncrease;
    }

    @Override
    public String toString() {
        return "PoolSettings[max=" + maxConnections + ", minIdle=" + minIdle + ", maxIdleTime=" + maxIdleTime
                + ", maxWait=" + maxWait + ", maxMessagesPerConnection=" + maxMessagesPerConnection
                + ", maxConnectionAge=" + maxConnectionAge + ", adaptiveConcurrency=" + adaptiveConcurrency
                + ", successesBeforeIncrease=" + successesBeforeIncrease + "]";
    }

    /** Builder; each setter validates. Not thread-safe. */
    public static final class Builder {
        private int maxConnections = 4;
        private int minIdle;
        private Duration maxIdleTime = Duration.ofSeconds(60);
        private Duration maxWait = Duration.ofSeconds(30);
        private int maxMessagesPerConnection = 1000;
        private Duration maxConnectionAge = Duration.ofMinutes(10);
        private boolean adaptiveConcurrency = true;
        private int successesBeforeIncrease = 20;

        private Builder() {
        }

        /** Most connections, at least 1. */
        public Builder maxConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, was " + n);
            }
            this.maxConnections = n;
            return this;
        }

        /** Fewest idle connections, 0 or more (and at most maxConnections, checked by build). */
        public Builder minIdle(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("minIdle must be 0 or more, was " + n);
            }
            this.minIdle = n;
            return this;
        }

        /** Idle time before closing, positive. */
        public Builder maxIdleTime(Duration d) {
            this.maxIdleTime = positive(d, "maxIdleTime");
            return this;
        }

        /** Borrow timeout, positive. */
        public Builder maxWait(Duration d) {
            this.maxWait = positive(d, "maxWait");
            return this;
        }

        /** Messages before retiring a connection, 0 for no limit. */
        public Builder maxMessagesPerConnection(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxMessagesPerConnection must be 0 or more, was " + n);
            }
            this.maxMessagesPerConnection = n;
            return this;
        }

        /** Age before retiring a connection, zero for no limit. */
        public Builder maxConnectionAge(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("maxConnectionAge must be zero or positive");
            }
            this.maxConnectionAge = d;
            return this;
        }

        /** Whether the connections in use adapt to concurrency refusals; default true. */
        public Builder adaptiveConcurrency(boolean adaptive) {
            this.adaptiveConcurrency = adaptive;
            return this;
        }

        /** Accepted contents in a row before an adaptive limit grows by one, at least 1; default 20. */
        public Builder successesBeforeIncrease(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("successesBeforeIncrease must be at least 1, was " + n);
            }
            this.successesBeforeIncrease = n;
            return this;
        }

        /** @throws IllegalArgumentException if minIdle exceeds maxConnections */
        public PoolSettings build() {
            if (minIdle > maxConnections) {
                throw new IllegalArgumentException("minIdle (" + minIdle + ") must not exceed maxConnections ("
                        + maxConnections + ")");
            }
            return new PoolSettings(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return d;
        }
    }
}
