package io.github.pipeliningsmtp.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared budget comes back after its store hung: calls that got no answer within the store
 * timeout are abandoned and their connections aborted, so they do not keep the pool's connections
 * (a store of 2 connections here, as a small HikariCP pool) and the first try after the store
 * answers again draws on the shared budget. Without the abort, two hung calls fill the pool and
 * every later try waits for a connection until it times out: the instance stays in fallback for
 * good. Modelled with {@link FakeBudgetStore}, no PostgreSQL; each hung call costs the store
 * timeout, 500 ms (the classes of Bucket4j's client are loaded beforehand, so that an answering call
 * takes well under it).
 */
class ReturnToSharedBudgetTest {

    private static final long MAX_WAIT = TimeUnit.SECONDS.toNanos(30);
    private static final RateLimits LIMITS = RateLimits.builder().messagesPerSecond(1000).build();

    /** Tries the store with every transaction in fallback (retry interval 1 ns); {@code timeout} per call. */
    private static SharedSendRateLimit.Options options(String key, Duration timeout) {
        return new SharedSendRateLimit.Options(key, 2, Duration.ofNanos(1), timeout, "budget");
    }

    @BeforeAll
    static void loadTheStoreClient() throws Exception {
        try (SharedSendRateLimit limit = new SharedSendRateLimit(LIMITS, new FakeBudgetStore(1).dataSource(),
                options("warm-up", Duration.ofSeconds(30)))) {
            for (int i = 0; i < 3; i++) {
                limit.reserve(1, 1, MAX_WAIT);
            }
        }
    }

    @Test
    void afterCallsHungOnTheStoreTheFirstTryOnceItAnswersIsBackOnTheSharedBudget() throws Exception {
        FakeBudgetStore store = new FakeBudgetStore(2);
        try (SharedSendRateLimit limit = new SharedSendRateLimit(LIMITS, store.dataSource(), options("hung", Duration.ofMillis(500)))) {
            assertThat(limit.reserve(1, 1, MAX_WAIT)).isZero();
            assertThat(limit.store()).isEqualTo(StoreState.SHARED);
            assertThat(store.rows()).isEqualTo(1);

            store.hang();
            for (int i = 0; i < 2; i++) { // as many hung calls as the pool has connections
                assertThat(limit.reserve(1, 1, MAX_WAIT)).as("from the instance's share").isGreaterThanOrEqualTo(0);
                assertThat(limit.store()).isEqualTo(StoreState.FALLBACK);
            }
            assertThat(limit.storeFailures()).isEqualTo(2);

            store.answer();
            int answeredBefore = store.statementsAnswered();
            assertThat(limit.reserve(1, 1, MAX_WAIT)).isGreaterThanOrEqualTo(0);
            assertThat(limit.store()).as("the first try after the store answers").isEqualTo(StoreState.SHARED);
            assertThat(store.statementsAnswered()).as("the budget was taken in the store").isGreaterThan(answeredBefore);
            assertThat(limit.storeFailures()).isEqualTo(2);
            assertThat(store.aborted()).as("each hung call's connection aborted").isEqualTo(2);
        }
    }

    @Test
    void aStoreThatAnswersKeepsTheBudgetInItsTable() throws Exception {
        FakeBudgetStore store = new FakeBudgetStore(1);
        try (SharedSendRateLimit limit = new SharedSendRateLimit(LIMITS, store.dataSource(), options("answers", Duration.ofSeconds(30)))) {
            for (int i = 0; i < 5; i++) {
                assertThat(limit.reserve(1, 1, MAX_WAIT)).isGreaterThanOrEqualTo(0);
            }
            assertThat(limit.store()).isEqualTo(StoreState.SHARED);
            assertThat(limit.storeFailures()).isZero();
            assertThat(store.rows()).isEqualTo(1);
            assertThat(store.aborted()).isZero();
            assertThat(store.open()).as("every connection given back").isZero();
        }
    }
}
