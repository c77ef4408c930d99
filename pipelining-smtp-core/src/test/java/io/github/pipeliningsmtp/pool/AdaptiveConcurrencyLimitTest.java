package io.github.pipeliningsmtp.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.SmtpListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The limit halves on a concurrency refusal (never below 1), grows by one after a run of successes (never above max). */
class AdaptiveConcurrencyLimitTest {

    private final List<Integer> changes = new CopyOnWriteArrayList<>();
    private final SmtpListener listener = new SmtpListener() {
        @Override
        public void concurrencyLimitChanged(int limit) {
            changes.add(limit);
        }
    };

    private static long soon() {
        return System.nanoTime() + 1_000_000_000L;
    }

    @Test
    void aRefusalHalvesTheLimitOnceForOneBurstAndNeverBelowOne() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit(8, true, 3, listener);
        for (int i = 0; i < 8; i++) {
            assertThat(limit.acquire(soon())).isTrue();
        }
        limit.refused();
        assertThat(limit.limit()).isEqualTo(4);
        limit.refused(); // another connection of the same burst: 8 in use, above the limit
        assertThat(limit.limit()).isEqualTo(4);
        for (int i = 0; i < 7; i++) {
            limit.release();
        }
        limit.refused();
        limit.refused();
        limit.refused();
        assertThat(limit.limit()).isEqualTo(1);
        assertThat(changes).containsExactly(4, 2, 1);
    }

    @Test
    void aRunOfSuccessesRaisesTheLimitByOneUpToTheMax() {
        ConcurrencyLimit limit = new ConcurrencyLimit(3, true, 2, listener);
        limit.refused();
        assertThat(limit.limit()).isEqualTo(1);
        limit.succeeded();
        limit.refused(); // a refusal breaks the run (the limit stays at 1)
        limit.succeeded();
        assertThat(limit.limit()).isEqualTo(1);
        limit.succeeded();
        assertThat(limit.limit()).isEqualTo(2);
        for (int i = 0; i < 10; i++) {
            limit.succeeded();
        }
        assertThat(limit.limit()).isEqualTo(3);
        assertThat(changes).containsExactly(1, 2, 3);
    }

    @Test
    void borrowersWaitForAPlaceUntilTheirDeadline() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit(2, true, 20, listener);
        assertThat(limit.acquire(soon())).isTrue();
        assertThat(limit.acquire(soon())).isTrue();
        limit.refused();
        limit.release();
        // one in use, limit 1: the next waits and gives up at its deadline
        assertThat(limit.acquire(System.nanoTime() + 20_000_000L)).isFalse();
        limit.release();
        assertThat(limit.acquire(soon())).isTrue();
        assertThat(limit.inUse()).isEqualTo(1);
    }

    @Test
    void notAdaptiveTheLimitStaysAtTheMax() {
        ConcurrencyLimit limit = new ConcurrencyLimit(4, false, 1, listener);
        limit.refused();
        limit.succeeded();
        assertThat(limit.limit()).isEqualTo(4);
        assertThat(changes).isEmpty();
    }
}
