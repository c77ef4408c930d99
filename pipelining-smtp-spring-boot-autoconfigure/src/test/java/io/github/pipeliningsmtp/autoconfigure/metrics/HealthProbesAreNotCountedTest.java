package io.github.pipeliningsmtp.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthIndicator;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.internet.MimeMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The health indicator opens connections of its own with a listener that counts nothing: its
 * probes (greeting, EHLO, QUIT) must not show up in the sender's round trips, replies or
 * connection meters.
 */
class HealthProbesAreNotCountedTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class, PipeliningSmtpHealthAutoConfiguration.class,
                    PipeliningSmtpMetricsAutoConfiguration.class));

    @Test
    void fiveHealthChecksLeaveTheSendersMetersAtZero() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            runner.withPropertyValues("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.port=" + server.port(),
                    "smtp.pipelining.health.cache-time=0s")
                    .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                    .run(context -> {
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        context.getBean(PipeliningSmtpMetrics.class).bindTo(registry);
                        PipeliningSmtpHealthIndicator health = context.getBean(PipeliningSmtpHealthIndicator.class);
                        for (int i = 0; i < 5; i++) {
                            assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
                        }
                        assertThat(server.connectionCount()).as("the probes did reach the server").isEqualTo(5);
                        double roundTrips = registry.find("smtp.pipelining.round.trips").counters().stream()
                                .mapToDouble(c -> c.count()).sum();
                        double replies = registry.find("smtp.pipelining.replies").counters().stream()
                                .mapToDouble(c -> c.count()).sum();
                        double connections = registry.find("smtp.pipelining.connections").counters().stream()
                                .mapToDouble(c -> c.count()).sum();
                        assertThat(roundTrips).isZero();
                        assertThat(replies).isZero();
                        assertThat(connections).isZero();
                        // the same meters do count the sender's own traffic
                        PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                        MimeMessage m = sender.createMimeMessage();
                        m.setFrom("sender@example.com");
                        m.setRecipients(jakarta.mail.Message.RecipientType.TO, "rcpt-1@example.net");
                        m.setText("counted");
                        sender.send(m);
                        assertThat(registry.find("smtp.pipelining.round.trips").counters().stream()
                                .mapToDouble(c -> c.count()).sum()).isPositive();
                    });
        }
    }
}
