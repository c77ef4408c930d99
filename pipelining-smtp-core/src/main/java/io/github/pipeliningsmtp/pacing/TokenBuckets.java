package io.github.pipeliningsmtp.pacing;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.time.Duration;

/**
 * The two Bucket4j buckets of a rate limit, one for messages and one for recipients (either may be
 * absent), and the reservation of a transaction's budget on both.
 *
 * <p>Each rate {@code r} per period {@code P} is a bandwidth refilled greedily ({@code r} tokens
 * spread evenly over {@code P}) whose capacity is a tenth of {@code r} (at least 1): the budget can
 * be spent at most a tenth of a period ahead, so any window of length {@code P} holds at most
 * {@code r + ceil(r / 10)} tokens (a bucket as large as {@code r} would let {@code 2r} through in one
 * window after an idle period). Divided by {@code k} instances (the shared budget's fallback), the
 * refill period is {@code k * P} and the capacity {@code ceil(r / 10k)}.
 *
 * <p>Thread-safe when the buckets are (Bucket4j's are).
 */
final class TokenBuckets {

    private final Bucket messages;
    private final long messageCapacity;
    private final Bucket recipients;
    private final long recipientCapacity;

    private TokenBuckets(Bucket messages, long messageCapacity, Bucket recipients, long recipientCapacity) {
        this.messages = messages;
        this.messageCapacity = messageCapacity;
        this.recipients = recipients;
        this.recipientCapacity = recipientCapacity;
    }

    /**
     * @param limits   the rates
     * @param divisor  instances the rates are shared by (1: the whole rate)
     * @param bucketOf makes a bucket of a configuration and its kind ("messages" or "recipients")
     */
    static TokenBuckets of(RateLimits limits, long divisor, BucketFactory bucketOf) {
        return of(limits, divisor, 1, bucketOf);
    }

    /**
     * As {@link #of(RateLimits, long, BucketFactory)}, every refill period stretched by
     * {@code stretch} (at least 1): the rates times {@code 1 / stretch}, the capacities unchanged.
     */
    static TokenBuckets of(RateLimits limits, long divisor, double stretch, BucketFactory bucketOf) {
        Bucket m = null;
        Bucket r = null;
        if (limits.limitsMessages()) {
            m = bucketOf.bucket("messages",
                    configuration(limits.messagesPerSecond(), limits.messagesPerMinute(), divisor, stretch));
        }
        if (limits.limitsRecipients()) {
            r = bucketOf.bucket("recipients",
                    configuration(limits.recipientsPerSecond(), limits.recipientsPerMinute(), divisor, stretch));
        }
        return new TokenBuckets(m, capacity(limits.messagesPerSecond(), limits.messagesPerMinute(), divisor), r,
                capacity(limits.recipientsPerSecond(), limits.recipientsPerMinute(), divisor));
    }

    /** Makes one bucket of a configuration. */
    @FunctionalInterface
    interface BucketFactory {
        Bucket bucket(String kind, BucketConfiguration configuration);
    }

    /** Buckets in this process's memory, timed by {@code clock}. */
    static BucketFactory local(TimeMeter clock) {
        return (kind, configuration) -> {
            LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(clock);
            for (Bandwidth bandwidth : configuration.getBandwidths()) {
                builder.addLimit(bandwidth);
            }
            return builder.build();
        };
    }

    /** The most messages that may go at once; {@link Integer#MAX_VALUE} without a message rate. */
    int burst() {
        return messages == null ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, messageCapacity);
    }

    /**
     * Reserves the budget of one transaction on both buckets, in the order callers arrive.
     *
     * @return nanoseconds until the reservation is due (0: now), or -1 when it would be later than
     *         {@code maxWaitNanos}; then nothing was taken
     */
    long reserve(int messageCount, int recipientCount, long maxWaitNanos) throws InterruptedException {
        long messageWait = reserve(messages, messageCapacity, messageCount, maxWaitNanos);
        if (messageWait < 0) {
            return -1;
        }
        long recipientWait = reserve(recipients, recipientCapacity, recipientCount, maxWaitNanos);
        if (recipientWait < 0) {
            if (messages != null && messageCount > 0) {
                messages.addTokens(messageCount);
            }
            return -1;
        }
        return Math.max(messageWait, recipientWait);
    }

    /**
     * Gives back what {@link #reserve(int, int, long)} took for a transaction that will not be sent
     * after all (a later bucket refused it), so that the next one is not kept waiting for it.
     */
    void giveBack(int messageCount, int recipientCount) {
        if (messages != null && messageCount > 0) {
            messages.addTokens(messageCount);
        }
        if (recipients != null && recipientCount > 0) {
            recipients.addTokens(recipientCount);
        }
    }

    /**
     * Stretches every refill period of these (local) buckets to {@code stretch} times the rates'
     * periods, keeping the tokens they hold and what is reserved ahead (Bucket4j
     * {@link TokensInheritanceStrategy#AS_IS}), so a change of pace never hands out a burst.
     */
    void restretch(RateLimits limits, long divisor, double stretch) {
        if (messages != null) {
            messages.replaceConfiguration(configuration(limits.messagesPerSecond(), limits.messagesPerMinute(), divisor,
                    stretch), TokensInheritanceStrategy.AS_IS);
        }
        if (recipients != null) {
            recipients.replaceConfiguration(configuration(limits.recipientsPerSecond(), limits.recipientsPerMinute(),
                    divisor, stretch), TokensInheritanceStrategy.AS_IS);
        }
    }

    private static long reserve(Bucket bucket, long capacity, long tokens, long maxWaitNanos)
            throws InterruptedException {
        if (bucket == null || tokens <= 0) {
            return 0;
        }
        if (tokens <= capacity) {
            // Bucket4j reserves the tokens and asks its blocking strategy to park: record the time
            // instead, so that the caller sleeps outside the (possibly remote) bucket call
            long[] due = {0};
            boolean reserved = bucket.asBlocking().tryConsume(tokens, maxWaitNanos, nanos -> due[0] = nanos);
            return reserved ? due[0] : -1;
        }
        // more than the bucket holds at once: draw it below zero; the wait is the time to pay it back
        long penalty = bucket.consumeIgnoringRateLimits(tokens);
        if (penalty > maxWaitNanos) {
            if (penalty != Long.MAX_VALUE) {
                bucket.addTokens(tokens);
            }
            return -1;
        }
        return penalty;
    }

    static BucketConfiguration configuration(long perSecond, long perMinute, long divisor) {
        return configuration(perSecond, perMinute, divisor, 1);
    }

    private static BucketConfiguration configuration(long perSecond, long perMinute, long divisor, double stretch) {
        ConfigurationBuilder b = BucketConfiguration.builder();
        if (perSecond > 0) {
            b.addLimit(bandwidth(perSecond, Duration.ofSeconds(1), divisor, stretch));
        }
        if (perMinute > 0) {
            b.addLimit(bandwidth(perMinute, Duration.ofMinutes(1), divisor, stretch));
        }
        return b.build();
    }

    private static Bandwidth bandwidth(long rate, Duration period, long divisor, double stretch) {
        if (!(stretch >= 1)) {
            throw new IllegalArgumentException("stretch must be at least 1, was " + stretch);
        }
        long capacity = capacity(rate, divisor);
        Duration refill = period.multipliedBy(divisor);
        if (stretch > 1) {
            refill = Duration.ofNanos(Math.round(refill.toNanos() * stretch));
        }
        return Bandwidth.builder().capacity(capacity).refillGreedy(rate, refill).initialTokens(capacity).build();
    }

    /** The smallest capacity of the rates set (what may go at once), 0 when none is set. */
    private static long capacity(long perSecond, long perMinute, long divisor) {
        long c = Long.MAX_VALUE;
        if (perSecond > 0) {
            c = Math.min(c, capacity(perSecond, divisor));
        }
        if (perMinute > 0) {
            c = Math.min(c, capacity(perMinute, divisor));
        }
        return c == Long.MAX_VALUE ? 0 : c;
    }

    static long capacity(long rate, long divisor) {
        return Math.max(1, (rate + 10 * divisor - 1) / (10 * divisor));
    }
}
