package io.github.pipeliningsmtp.delivery;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * When automatic retry sends again what is safe to send again (see {@link RetryingDelivery}): at
 * most {@link #maxAttempts()} attempts per recipient, the n-th wait before attempt n + 1 being
 * {@code min(maxBackOff, initialBackOff × multiplier^(n-1))}, shortened by a random part of up to
 * {@link #jitter()} of it (so that senders refused together do not come back together), and no
 * attempt started later than {@link #budget()} after the send began. Immutable; invalid values
 * are refused by the builder with a message naming the setting.
 *
 * <p>Defaults: {@linkplain #DISABLED off}; when {@linkplain Builder#enabled(boolean) enabled}: 4
 * attempts, 1 s first back-off, ×2, at most 10 s, jitter 0.2, budget 30 s — about what a send of a
 * web request can wait, and enough for a relay's rate window (one second) to pass several times.
 */
public final class RetryPolicy {

    /** No automatic retry: every recipient is sent once. */
    public static final RetryPolicy DISABLED = builder().build();

    private final boolean enabled;
    private final int maxAttempts;
    private final Duration initialBackOff;
    private final double multiplier;
    private final Duration maxBackOff;
    private final double jitter;
    private final Duration budget;

    private RetryPolicy(Builder b) {
        this.enabled = b.enabled;
        this.maxAttempts = b.maxAttempts;
        this.initialBackOff = b.initialBackOff;
        this.multiplier = b.multiplier;
        this.maxBackOff = b.maxBackOff;
        this.jitter = b.jitter;
        this.budget = b.budget;
    }

    /** A builder with the defaults (off). */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether anything is retried. */
    public boolean enabled() {
        return enabled;
    }

    /** Most attempts per recipient, the first included (at least 1). */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The wait before the second attempt, before jitter. */
    public Duration initialBackOff() {
        return initialBackOff;
    }

    /** Each further wait is this many times the one before (at least 1). */
    public double multiplier() {
        return multiplier;
    }

    /** No wait is longer than this. */
    public Duration maxBackOff() {
        return maxBackOff;
    }

    /** The part of a wait (0 to 1) by which it is shortened at random. */
    public double jitter() {
        return jitter;
    }

    /** No attempt starts later than this after the send began. */
    public Duration budget() {
        return budget;
    }

    /**
     * The wait before attempt {@code retry + 1} ({@code retry} ≥ 1): {@code min(maxBackOff,
     * initialBackOff × multiplier^(retry-1))} × (1 − jitter × {@code random}), with {@code random}
     * in [0, 1).
     */
    Duration backOff(int retry, DoubleSupplier random) {
        double nanos = initialBackOff.toNanos() * Math.pow(multiplier, retry - 1);
        nanos = Math.min(nanos, maxBackOff.toNanos());
        nanos *= 1 - jitter * random.getAsDouble();
        return Duration.ofNanos((long) nanos);
    }

    @Override
    public String toString() {
        return enabled ? "RetryPolicy[maxAttempts=" + maxAttempts + ", initialBackOff=" + initialBackOff + ", multiplier="
                + multiplier + ", maxBackOff=" + maxBackOff + ", jitter=" + jitter + ", budget=" + budget + "]"
                : "RetryPolicy[disabled]";
    }

    /** Builder; each setter validates, {@link #build()} checks them together. Not thread-safe. */
    public static final class Builder {
        private boolean enabled;
        private int maxAttempts = 4;
        private Duration initialBackOff = Duration.ofSeconds(1);
        private double multiplier = 2;
        private Duration maxBackOff = Duration.ofSeconds(10);
        private double jitter = 0.2;
        private Duration budget = Duration.ofSeconds(30);

        private Builder() {
        }

        /** Whether to retry at all; default false. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** Attempts per recipient, the first included, at least 1. */
        public Builder maxAttempts(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, was " + n);
            }
            this.maxAttempts = n;
            return this;
        }

        /** First back-off, positive. */
        public Builder initialBackOff(Duration d) {
            this.initialBackOff = positive(d, "initialBackOff");
            return this;
        }

        /** Growth of the back-off, at least 1. */
        public Builder multiplier(double m) {
            if (!(m >= 1) || Double.isInfinite(m)) {
                throw new IllegalArgumentException("multiplier must be at least 1, was " + m);
            }
            this.multiplier = m;
            return this;
        }

        /** Longest back-off, positive (and at least the initial back-off, checked by build). */
        public Builder maxBackOff(Duration d) {
            this.maxBackOff = positive(d, "maxBackOff");
            return this;
        }

        /** Random shortening, 0 (none) to 1. */
        public Builder jitter(double j) {
            if (!(j >= 0 && j <= 1)) {
                throw new IllegalArgumentException("jitter must be between 0 and 1, was " + j);
            }
            this.jitter = j;
            return this;
        }

        /** Total time budget from the start of a send, positive (and at least one back-off, checked by build). */
        public Builder budget(Duration d) {
            this.budget = positive(d, "budget");
            return this;
        }

        /**
         * @throws IllegalArgumentException when the max back-off is shorter than the initial one, or
         *                                  (enabled, more than one attempt) the budget is shorter than
         *                                  the initial back-off, so that no retry could ever start
         */
        public RetryPolicy build() {
            if (maxBackOff.compareTo(initialBackOff) < 0) {
                throw new IllegalArgumentException("maxBackOff (" + maxBackOff + ") must not be shorter than initialBackOff ("
                        + initialBackOff + ")");
            }
            if (enabled && maxAttempts > 1 && budget.compareTo(initialBackOff) < 0) {
                throw new IllegalArgumentException("budget (" + budget + ") is shorter than one back-off ("
                        + initialBackOff + "): no retry could start");
            }
            return new RetryPolicy(this);
        }

        private static Duration positive(Duration d, String name) {
            if (Objects.requireNonNull(d, name).isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
