package io.github.pipeliningsmtp.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.pacing.RateLimitStats;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.pacing.StoreState;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The rate limit's meters follow its stats: time waited, refusals, where the budget is kept, the pace. */
class RateLimitMetersTest {

    @Test
    void metersFollowTheStats() {
        RateLimitStats[] now = {new RateLimitStats(10, 4, Duration.ofMillis(200), 1, StoreState.SHARED, 0)};
        SendRateLimit limit = new SendRateLimit() {
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
                return now[0];
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RateLimitMeters(Map.of("smtpPipeliningRateLimit", limit)).bindTo(registry);
        FunctionTimer wait = registry.get("smtp.pipelining.rate.wait").tag("name", "smtpPipeliningRateLimit")
                .functionTimer();
        assertThat(wait.count()).isEqualTo(4);
        assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(200);
        assertThat(registry.get("smtp.pipelining.rate.refused").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("smtp.pipelining.rate.admitted").functionCounter().count()).isEqualTo(10);
        assertThat(registry.get("smtp.pipelining.rate.store").tag("state", "shared").gauge().value()).isEqualTo(1);
        assertThat(registry.get("smtp.pipelining.rate.store").tag("state", "fallback").gauge().value()).isZero();
        assertThat(registry.get("smtp.pipelining.rate.pace").gauge().value()).isEqualTo(1);
        now[0] = new RateLimitStats(12, 6, Duration.ofMillis(900), 1, StoreState.FALLBACK, 2, 0.95, 1, 3);
        assertThat(registry.get("smtp.pipelining.rate.pace").gauge().value()).isEqualTo(0.95);
        assertThat(registry.get("smtp.pipelining.rate.pace.decreases").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("smtp.pipelining.rate.store").tag("state", "fallback").gauge().value()).isEqualTo(1);
        assertThat(registry.get("smtp.pipelining.rate.store").tag("state", "shared").gauge().value()).isZero();
        assertThat(registry.get("smtp.pipelining.rate.store.failures").functionCounter().count()).isEqualTo(2);
        assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(900);
    }
}
