package io.github.pipeliningsmtp.pacing;

import java.time.Duration;
import java.util.Objects;

/**
 * The rates a sender keeps to, for all its connections together: messages (transactions) and
 * recipients (RCPT TO written), each per second and per minute (relays such as Office 365 count per
 * minute); 0 means no limit of that kind. Immutable; build with {@link #builder()}.
 *
 * <p>{@code maxWait} bounds how long one transaction waits for its share of the budget before it is
 * given up (FAILED, TRANSIENT, not sent): default {@value #DEFAULT_MAX_WAIT_SECONDS} s.
 *
 * @param messagesPerSecond   transactions per second, 0 for none
 * @param messagesPerMinute   transactions per minute, 0 for none
 * @param recipientsPerSecond recipients per second, 0 for none
 * @param recipientsPerMinute recipients per minute, 0 for none
 * @param maxWait             longest wait of one transaction for its budget, positive
 */
public record RateLimits(long messagesPerSecond, long messagesPerMinute, long recipientsPerSecond,
                         long recipientsPerMinute, Duration maxWait) {

    /** Default longest wait of one transaction for its budget: 30 s (as the pool's borrow wait). */
    public static final long DEFAULT_MAX_WAIT_SECONDS = 30;

    /** No limit at all. */
    public static final RateLimits NONE = builder().build();

    /**
     * @throws IllegalArgumentException for a negative rate or a wait that is not positive
     */
    public RateLimits {
        requireNotNegative("messagesPerSecond", messagesPerSecond);
        requireNotNegative("messagesPerMinute", messagesPerMinute);
        requireNotNegative("recipientsPerSecond", recipientsPerSecond);
        requireNotNegative("recipientsPerMinute", recipientsPerMinute);
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait must be positive, was " + maxWait);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when no rate is set. */
    public boolean isUnlimited() {
        return messagesPerSecond == 0 && messagesPerMinute == 0 && recipientsPerSecond == 0 && recipientsPerMinute == 0;
    }

    /** Whether any recipient rate is set. */
    boolean limitsRecipients() {
        return recipientsPerSecond > 0 || recipientsPerMinute > 0;
    }

    /** Whether any message rate is set. */
    boolean limitsMessages() {
        return messagesPerSecond > 0 || messagesPerMinute > 0;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("RateLimits[");
        append(b, messagesPerSecond, " messages/s");
        append(b, messagesPerMinute, " messages/min");
        append(b, recipientsPerSecond, " recipients/s");
        append(b, recipientsPerMinute, " recipients/min");
        if (isUnlimited()) {
            b.append("none");
        }
        return b.append(", maxWait=").append(maxWait.toMillis()).append(" ms]").toString();
    }

    private static void append(StringBuilder b, long rate, String unit) {
        if (rate > 0) {
            if (b.charAt(b.length() - 1) != '[') {
                b.append(", ");
            }
            b.append(rate).append(unit);
        }
    }

    private static void requireNotNegative(String name, long rate) {
        if (rate < 0) {
            throw new IllegalArgumentException(name + " must be positive (0 for no limit), was " + rate);
        }
    }

    /** Builds {@link RateLimits}; every rate must be positive when set. Not thread-safe. */
    public static final class Builder {
        private long messagesPerSecond;
        private long messagesPerMinute;
        private long recipientsPerSecond;
        private long recipientsPerMinute;
        private Duration maxWait = Duration.ofSeconds(DEFAULT_MAX_WAIT_SECONDS);

        private Builder() {
        }

        /** @throws IllegalArgumentException when not positive */
        public Builder messagesPerSecond(long rate) {
            this.messagesPerSecond = positive("messagesPerSecond", rate);
            return this;
        }

        /** @throws IllegalArgumentException when not positive */
        public Builder messagesPerMinute(long rate) {
            this.messagesPerMinute = positive("messagesPerMinute", rate);
            return this;
        }

        /** @throws IllegalArgumentException when not positive */
        public Builder recipientsPerSecond(long rate) {
            this.recipientsPerSecond = positive("recipientsPerSecond", rate);
            return this;
        }

        /** @throws IllegalArgumentException when not positive */
        public Builder recipientsPerMinute(long rate) {
            this.recipientsPerMinute = positive("recipientsPerMinute", rate);
            return this;
        }

        /** Longest wait of one transaction for its budget; default 30 s. */
        public Builder maxWait(Duration maxWait) {
            this.maxWait = maxWait;
            return this;
        }

        public RateLimits build() {
            return new RateLimits(messagesPerSecond, messagesPerMinute, recipientsPerSecond, recipientsPerMinute, maxWait);
        }

        private static long positive(String name, long rate) {
            if (rate <= 0) {
                throw new IllegalArgumentException(name + " must be positive, was " + rate);
            }
            return rate;
        }
    }
}
