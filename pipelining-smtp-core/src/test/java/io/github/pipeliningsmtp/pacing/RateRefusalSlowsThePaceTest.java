package io.github.pipeliningsmtp.pacing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A rate refusal from the relay slows the limit's pace by 5 % (once per burst of refusals), not
 * below half the rate, and a run of 20 accepted messages raises it by 1 % of the rate, never above
 * it: on a clock the test moves, with the spacing each transaction is given.
 */
class RateRefusalSlowsThePaceTest {

    private static final long MS = 1_000_000;

    private final FakeTime time = new FakeTime();

    private LocalSendRateLimit tenPerSecond(RateBackOff backOff) {
        return new LocalSendRateLimit(RateLimits.builder().messagesPerSecond(10).build(), 1, backOff, time, time);
    }

    /** Sends {@code n} transactions back to back; returns the spacing of the last one (ns). */
    private long send(LocalSendRateLimit limit, int n) throws Exception {
        long last = 0;
        for (int i = 0; i < n; i++) {
            last = limit.acquire(1, 1).toNanos();
        }
        return last;
    }

    @Test
    void aRateRefusalSpacesTheNextTransactionsFivePercentWider() throws Exception {
        LocalSendRateLimit limit = tenPerSecond(RateBackOff.DEFAULT);
        assertThat(send(limit, 11)).isEqualTo(100 * MS);
        limit.relayRefusedRate();
        RateLimitStats stats = limit.stats();
        assertThat(stats.pace()).isEqualTo(0.95);
        assertThat(stats.paceDecreases()).isEqualTo(1);
        assertThat(stats.relayRateRefusals()).isEqualTo(1);
        // from the very next transaction: 100 ms / 0.95
        assertThat((double) limit.acquire(1, 1).toNanos()).isCloseTo(105.263 * MS, within(0.01 * MS));
        assertThat((double) send(limit, 10)).isCloseTo(105.263 * MS, within(0.01 * MS));
    }

    @Test
    void theRefusalsOfOneBurstLowerThePaceOnce() throws Exception {
        LocalSendRateLimit limit = tenPerSecond(RateBackOff.DEFAULT);
        send(limit, 5);
        // a transaction reserved ahead (due 100 ms from now) by a connection that has not sent it yet
        long ahead = limit.reserve(1, 1).toNanos();
        assertThat(ahead).isEqualTo(100 * MS);
        limit.relayRefusedRate();
        limit.relayRefusedRate();
        time.sleep(ahead + 999 * MS);
        // still the burst: the reservation made before the decrease, then the relay's one-second window
        limit.relayRefusedRate();
        assertThat(limit.stats().pace()).isEqualTo(0.95);
        assertThat(limit.stats().relayRateRefusals()).isEqualTo(3);
        time.sleep(MS);
        limit.relayRefusedRate();
        assertThat(limit.stats().pace()).isEqualTo(0.9025);
        assertThat(limit.stats().paceDecreases()).isEqualTo(2);
    }

    @Test
    void thePaceNeverFallsBelowTheFloor() throws Exception {
        LocalSendRateLimit limit = tenPerSecond(new RateBackOff(0.5, 0.3, 0.01, 20));
        for (int i = 0; i < 5; i++) {
            limit.relayRefusedRate();
            time.sleep(2_000 * MS);
        }
        assertThat(limit.stats().pace()).isEqualTo(0.3);
        assertThat(limit.stats().paceDecreases()).isEqualTo(2);
        send(limit, 5);
        assertThat((double) send(limit, 1)).isCloseTo(100 * MS / 0.3, within(0.01 * MS));
    }

    @Test
    void aRunOfAcceptedMessagesRaisesThePaceBackToTheRateNeverAbove() throws Exception {
        LocalSendRateLimit limit = tenPerSecond(RateBackOff.DEFAULT);
        limit.relayRefusedRate();
        accept(limit, 19);
        assertThat(limit.stats().pace()).isEqualTo(0.95);
        limit.relayRefusedRate(); // within the burst: not counted, but the run starts again
        accept(limit, 19);
        assertThat(limit.stats().pace()).isEqualTo(0.95);
        accept(limit, 1);
        assertThat(limit.stats().pace()).isEqualTo(0.96);
        accept(limit, 4 * 20);
        assertThat(limit.stats().pace()).isEqualTo(1.0);
        accept(limit, 100);
        assertThat(limit.stats().pace()).isEqualTo(1.0);
        send(limit, 3);
        assertThat(send(limit, 1)).isEqualTo(100 * MS);
    }

    @Test
    void withoutBackOffThePaceStaysAtTheRate() throws Exception {
        LocalSendRateLimit limit = tenPerSecond(RateBackOff.OFF);
        send(limit, 3);
        limit.relayRefusedRate();
        time.sleep(5_000 * MS);
        limit.relayRefusedRate();
        assertThat(limit.stats().pace()).isEqualTo(1.0);
        assertThat(limit.stats().paceDecreases()).isZero();
        assertThat(limit.stats().relayRateRefusals()).isEqualTo(2);
        send(limit, 1);
        assertThat(send(limit, 1)).isEqualTo(100 * MS);
    }

    @Test
    void aSlowerPaceStillRefusesAWaitPastMaxWaitAndTakesNothing() throws Exception {
        LocalSendRateLimit limit = new LocalSendRateLimit(RateLimits.builder().messagesPerSecond(1)
                .maxWait(Duration.ofMillis(1900)).build(), 1, new RateBackOff(0.5, 0.5, 0.01, 20), time, time);
        limit.relayRefusedRate(); // half a message per second: one every 2 s
        assertThat(limit.acquire(1, 1)).isZero();
        assertThatThrownBy(() -> limit.acquire(1, 1)).isInstanceOf(RateLimitWaitException.class);
        assertThat(limit.stats().refused()).isEqualTo(1);
        time.sleep(100 * MS);
        // the refused transaction took nothing from either bucket: due 2 s after the first
        assertThat(limit.acquire(1, 1)).isEqualTo(Duration.ofMillis(1900));
    }

    @Test
    void backOffSettingsAreChecked() {
        assertThatThrownBy(() -> new RateBackOff(0, 0.5, 0.01, 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decrease");
        assertThatThrownBy(() -> new RateBackOff(0.05, 0, 0.01, 20)).hasMessageContaining("floor");
        assertThatThrownBy(() -> new RateBackOff(0.05, 0.5, 0, 20)).hasMessageContaining("increase");
        assertThatThrownBy(() -> new RateBackOff(0.05, 0.5, 0.01, 0)).hasMessageContaining("increaseAfter");
        assertThat(RateBackOff.DEFAULT.adaptive()).isTrue();
        assertThat(RateBackOff.OFF.adaptive()).isFalse();
    }

    private static void accept(SendRateLimit limit, int n) {
        for (int i = 0; i < n; i++) {
            limit.relayAccepted();
        }
    }
}
