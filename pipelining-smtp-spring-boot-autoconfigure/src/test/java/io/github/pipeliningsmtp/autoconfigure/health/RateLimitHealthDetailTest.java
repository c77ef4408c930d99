package io.github.pipeliningsmtp.autoconfigure.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.pacing.RateLimitStats;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.pacing.StoreState;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The health indicator shows where the send rate limit keeps its budget, read at each call (not
 * cached with the SMTP check), and its status stays the SMTP check's: an instance in fallback still
 * sends, at its share of the rate.
 */
class RateLimitHealthDetailTest {

    private final ScriptedSmtpServer server = startServer();

    private static ScriptedSmtpServer startServer() {
        try {
            ScriptedSmtpServer s = ScriptedSmtpServer.start();
            s.setDefaultScript(new StandardSession());
            return s;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    /** A limit whose store state the test sets. */
    private static final class Switchable implements SendRateLimit {
        volatile StoreState state = StoreState.SHARED;

        @Override
        public Duration acquire(int messages, int recipients) {
            return Duration.ZERO;
        }

        @Override
        public int burst() {
            return 1;
        }

        @Override
        public RateLimitStats stats() {
            return new RateLimitStats(0, 0, Duration.ZERO, 0, state, state == StoreState.FALLBACK ? 3 : 0);
        }
    }

    @Test
    void theStoreStateIsADetailReadAtEachCall() {
        Switchable limit = new Switchable();
        PipeliningSmtpHealthIndicator indicator = new PipeliningSmtpHealthIndicator(
                ConnectionSettings.builder("localhost", server.port()).build(), false, Duration.ofMinutes(5),
                Clock.systemUTC(), limit);
        Health shared = indicator.health();
        assertThat(shared.getStatus()).isEqualTo(Status.UP);
        assertThat(shared.getDetails()).containsEntry("rateLimit", "shared").containsEntry("rateLimitStoreFailures", 0L)
                .containsKey("pipelining");
        limit.state = StoreState.FALLBACK;
        Health fallback = indicator.health();
        assertThat(fallback.getStatus()).isEqualTo(Status.UP);
        assertThat(fallback.getDetails()).containsEntry("rateLimit", "fallback").containsEntry("rateLimitStoreFailures", 3L);
        assertThat(server.connectionCount()).isEqualTo(1); // the SMTP check itself was cached
    }

    @Test
    void noLimitNoDetail() {
        PipeliningSmtpHealthIndicator indicator = new PipeliningSmtpHealthIndicator(
                ConnectionSettings.builder("localhost", server.port()).build(), false, Duration.ofMinutes(5),
                Clock.systemUTC());
        assertThat(indicator.health().getDetails()).doesNotContainKey("rateLimit");
    }
}
