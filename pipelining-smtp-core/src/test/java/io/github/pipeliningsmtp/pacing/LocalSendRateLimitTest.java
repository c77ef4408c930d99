package io.github.pipeliningsmtp.pacing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The in-memory send rate limit paces transactions on a clock the test moves: a burst of a tenth of
 * the rate, then one transaction per 1/rate; a wait past maxWait refuses the transaction and takes
 * nothing; a transaction with more recipients than the bucket holds draws it below zero.
 */
class LocalSendRateLimitTest {

    private final FakeTime time = new FakeTime();

    @Test
    void aBurstOfATenthOfTheRateThenOneMessagePerInterval() throws Exception {
        LocalSendRateLimit limit = new LocalSendRateLimit(RateLimits.builder().messagesPerSecond(20).build(), 1, time,
                time);
        assertThat(limit.burst()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            assertThat(limit.acquire(1, 1)).isZero();
        }
        for (int i = 0; i < 20; i++) {
            assertThat(limit.acquire(1, 1)).isEqualTo(Duration.ofMillis(50));
        }
        // 22 messages in 1 s: the rate plus the burst, never more
        assertThat(time.now).isEqualTo(Duration.ofSeconds(1).toNanos());
        RateLimitStats stats = limit.stats();
        assertThat(stats.admitted()).isEqualTo(22);
        assertThat(stats.waited()).isEqualTo(20);
        assertThat(stats.totalWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(stats.store()).isEqualTo(StoreState.LOCAL);
    }

    @Test
    void aPerMinuteRateSpreadsTheMinute() throws Exception {
        LocalSendRateLimit limit = new LocalSendRateLimit(RateLimits.builder().messagesPerMinute(30).build(), 1, time,
                time);
        for (int i = 0; i < 3; i++) {
            limit.acquire(1, 1);
        }
        assertThat(limit.acquire(1, 1)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aWaitPastMaxWaitIsRefusedAndTakesNothing() throws Exception {
        LocalSendRateLimit limit = new LocalSendRateLimit(RateLimits.builder().messagesPerSecond(1)
                .maxWait(Duration.ofMillis(1500)).build(), 1, time, time);
        limit.acquire(1, 1); // the burst of 1
        // a caller that reserved the next second's message but has not slept yet
        long reservedAt = time.now;
        assertThat(limit.reserve(1, 1, Duration.ofSeconds(2).toNanos())).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThatThrownBy(() -> limit.acquire(1, 1)).isInstanceOf(RateLimitWaitException.class)
                .hasMessageContaining("1 messages/s").hasMessageContaining("within 1500 ms");
        assertThat(limit.stats().refused()).isEqualTo(1);
        assertThat(time.now).isEqualTo(reservedAt);
        // the reserving caller sleeps its second; the refused one took nothing: the next is due a
        // second later (2 s after the first), not two (which would be refused again)
        time.sleep(Duration.ofSeconds(1).toNanos());
        assertThat(limit.acquire(1, 1)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void moreRecipientsThanTheBucketHoldsDrawItBelowZero() throws Exception {
        LocalSendRateLimit limit = new LocalSendRateLimit(RateLimits.builder().recipientsPerSecond(10).build(), 1,
                time, time);
        assertThat(limit.acquire(1, 1)).isZero();
        // 10 recipients from a bucket of 1 (empty now): due when all ten have come in, 1 s later
        assertThat(limit.acquire(1, 10)).isEqualTo(Duration.ofSeconds(1));
        assertThat(limit.acquire(1, 1)).isEqualTo(Duration.ofMillis(100));
        assertThat(limit.burst()).isEqualTo(Integer.MAX_VALUE); // no message rate
    }

    @Test
    void aShareOfTheRateForOneOfSeveralInstances() throws Exception {
        LocalSendRateLimit limit = new LocalSendRateLimit(RateLimits.builder().messagesPerSecond(20).build(), 2, time,
                time);
        assertThat(limit.burst()).isEqualTo(1);
        limit.acquire(1, 0);
        assertThat(limit.acquire(1, 0)).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void ratesMustBePositive() {
        assertThatThrownBy(() -> RateLimits.builder().messagesPerSecond(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("messagesPerSecond must be positive");
        assertThatThrownBy(() -> RateLimits.builder().recipientsPerMinute(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LocalSendRateLimit(RateLimits.NONE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimits.builder().messagesPerSecond(1).maxWait(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
