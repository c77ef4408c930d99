package io.github.pipeliningsmtp.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The budget shared through PostgreSQL takes the relay's rate refusals through the same interface as
 * the local one ({@link SendRateLimit#relayRefusedRate()}, {@link SendRateLimit#relayAccepted()}):
 * its pace drops and comes back the same way, and it goes on admitting transactions. Here the store
 * cannot be reached (every connection is refused), so the limit keeps to its share in memory.
 */
class SharedLimitFollowsTheRelayTooTest {

    @Test
    void aRateRefusalLowersTheSharedLimitsPaceAndARunRaisesIt() throws Exception {
        try (SharedSendRateLimit limit = new SharedSendRateLimit(RateLimits.builder().messagesPerSecond(20).build(),
                new UnreachableDataSource(), new SharedSendRateLimit.Options("pace-test", 2, Duration.ofSeconds(10),
                        Duration.ofMillis(500), SharedSendRateLimit.Options.DEFAULT_TABLE))) {
            assertThat(limit.acquire(1, 1)).isZero();
            limit.relayRefusedRate();
            assertThat(limit.stats().pace()).isEqualTo(0.95);
            assertThat(limit.stats().paceDecreases()).isEqualTo(1);
            for (int i = 0; i < RateBackOff.DEFAULT.increaseAfter(); i++) {
                limit.relayAccepted();
            }
            assertThat(limit.stats().pace()).isEqualTo(0.96);
            limit.reserve(1, 1);
            assertThat(limit.stats().admitted()).isEqualTo(2);
            assertThat(limit.stats().store()).isEqualTo(StoreState.FALLBACK);
        }
    }

    /** A data source whose every connection is refused. */
    private static final class UnreachableDataSource implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            throw new SQLException("connection refused (test)");
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
