package io.github.pipeliningsmtp.autoconfigure.metrics;

import static io.github.pipeliningsmtp.sender.Senders.message;
import static io.github.pipeliningsmtp.sender.Senders.runner;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.testing.ProviderSimulator;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Throttle replies by kind, retries, time spent waiting and the concurrency limit are meters. */
class PacingMetersTest {

    @Test
    void aRateRefusalRetriedAfterABackOffIsCountedAndItsWaitTimed() throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder()
                .rate(1, Duration.ofMillis(200), ProviderSimulator.RateCheck.DATA).build();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(relay);
            runner(server.port(), "smtp.pipelining.pool.max-connections=1", "smtp.pipelining.retry.enabled=true",
                    "smtp.pipelining.retry.initial-back-off=250ms", "smtp.pipelining.retry.max-back-off=250ms",
                    "smtp.pipelining.retry.jitter=0").run(context -> {
                        SimpleMeterRegistry registry = new SimpleMeterRegistry();
                        context.getBean(PipeliningSmtpMetrics.class).bindTo(registry);
                        PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                        SendReport report = sender.sendAndReport(message(sender, "a@example.net"),
                                message(sender, "b@example.net"));
                        assertThat(report.succeeded()).isEqualTo(2);
                        assertThat(registry.get("smtp.pipelining.throttled").tag("kind", "rate").tag("command", "DATA")
                                .counter().count()).isEqualTo(relay.refusals(ProviderSimulator.RATE_REPLY)).isPositive();
                        assertThat(registry.get("smtp.pipelining.retries").counter().count()).isPositive();
                        assertThat(registry.get("smtp.pipelining.retry.wait").timer().totalTime(TimeUnit.MILLISECONDS))
                                .isGreaterThanOrEqualTo(250);
                        assertThat(report.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(250));
                        assertThat(registry.get("smtp.pipelining.pool.concurrency.limit").gauge().value()).isEqualTo(1);
                    });
            assertThat(server.messages()).hasSize(2);
        }
    }

    @Test
    void quotaRefusalsAreCountedByKindAndNotRetried() throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder().dailyQuota(1).build();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(relay);
            runner(server.port(), "smtp.pipelining.pool.max-connections=1", "smtp.pipelining.retry.enabled=true",
                    "smtp.pipelining.retry.initial-back-off=10ms").run(context -> {
                        SimpleMeterRegistry registry = new SimpleMeterRegistry();
                        context.getBean(PipeliningSmtpMetrics.class).bindTo(registry);
                        PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                        SendReport report = sender.sendAndReport(message(sender, "a@example.net"),
                                message(sender, "b@example.net"), message(sender, "c@example.net"));
                        assertThat(report.failed()).isEqualTo(2);
                        assertThat(registry.get("smtp.pipelining.throttled").tag("kind", "quota").counter().count())
                                .isEqualTo(2);
                        assertThat(registry.get("smtp.pipelining.retries").counter().count()).isZero();
                        assertThat(registry.get("smtp.pipelining.pool.concurrency.limit").gauge().value()).isEqualTo(1);
                    });
            assertThat(relay.attempts()).hasSize(3);
        }
    }
}
