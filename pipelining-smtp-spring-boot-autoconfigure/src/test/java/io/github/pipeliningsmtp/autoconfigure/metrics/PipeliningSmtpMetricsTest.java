package io.github.pipeliningsmtp.autoconfigure.metrics;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthIndicator;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.mail.javamail.MimeMessageHelper;

/** Health and metrics auto-configurations, and meters that equal the ledger exactly. */
class PipeliningSmtpMetricsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class, PipeliningSmtpHealthAutoConfiguration.class,
                    PipeliningSmtpMetricsAutoConfiguration.class));

    @Test
    void healthAndMetricsArePresentWithTheirDependenciesAndCanBeSwitchedOff() {
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com").run(context -> {
            assertThat(context).hasSingleBean(PipeliningSmtpHealthIndicator.class);
            assertThat(context).hasBean("smtpPipeliningHealthIndicator");
            assertThat(context).hasSingleBean(PipeliningSmtpMetrics.class);
        });
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com",
                "management.health.smtp-pipelining.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(PipeliningSmtpHealthIndicator.class));
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com")
                .withClassLoader(new FilteredClassLoader(HealthIndicator.class, MeterRegistry.class))
                .run(context -> {
                    assertThat(context).hasSingleBean(PipelinedMailSender.class);
                    assertThat(context).doesNotHaveBean(PipeliningSmtpHealthIndicator.class);
                    assertThat(context).doesNotHaveBean(PipeliningSmtpMetrics.class);
                });
        runner.run(context -> {
            assertThat(context).doesNotHaveBean(PipeliningSmtpHealthIndicator.class);
            assertThat(context).doesNotHaveBean(PipeliningSmtpMetrics.class);
        });
    }

    @Test
    void countersEqualTheLedgerWithRefusalsA421MidGroupAndAnUnknownOutcome() throws Exception {
        AtomicInteger sessions = new AtomicInteger();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(s -> {
                int session = sessions.getAndIncrement();
                StandardSession.builder()
                        .rcptReply((ss, address) -> {
                            if (address.startsWith("bad")) {
                                return List.of("550 5.1.1 User unknown");
                            }
                            if (address.startsWith("busy") && session == 0) {
                                return List.of("421 4.3.2 Service shutting down");
                            }
                            return null;
                        })
                        .endOfDataReply((ss, content) -> {
                            if (content.contains("X-Lost: yes")) {
                                ss.closeRst();
                                return List.of();
                            }
                            return null;
                        })
                        .build().run(s);
            });
            runner.withPropertyValues("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.port=" + server.port(),
                    "smtp.pipelining.pool.max-connections=1", "smtp.pipelining.command-timeout=5s")
                    .run(context -> {
                        SimpleMeterRegistry registry = new SimpleMeterRegistry();
                        context.getBean(PipeliningSmtpMetrics.class).bindTo(registry);
                        PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                        SendReport first = sender.sendAndReport(
                                message(sender, "ok-1@example.net", "bad-1@example.net"),
                                message(sender, "ok-2@example.net", "busy-1@example.net"),
                                message(sender, "ok-3@example.net"));
                        SendReport second = sender.sendAndReport(
                                message(sender, "ok-4@example.net"), lost(sender, "ok-5@example.net"));
                        long recipients = 0;
                        long accepted = 0;
                        long succeeded = 0;
                        long failed = 0;
                        long unknown = 0;
                        for (SendReport r : List.of(first, second)) {
                            accepted += r.accepted();
                            succeeded += r.succeeded();
                            failed += r.failed();
                            unknown += r.unknown();
                            recipients += r.entries().stream().mapToLong(e -> e.ledger().recipients().size()).sum();
                        }
                        assertThat(unknown).isEqualTo(1);
                        assertThat(failed).isGreaterThanOrEqualTo(2);
                        assertThat(registry.get("smtp.pipelining.recipients.accepted").counter().count())
                                .isEqualTo(accepted);
                        assertThat(registry.find("smtp.pipelining.recipients").tag("outcome", "accepted").counter())
                                .as("accepted is not an outcome: the outcomes partition the recipients").isNull();
                        // the untagged sum (what a dashboard shows without a tag filter) is the recipients
                        assertThat(registry.find("smtp.pipelining.recipients").counters().stream()
                                .mapToDouble(c -> c.count()).sum()).isEqualTo(recipients);
                        assertThat(count(registry, "succeeded")).isEqualTo(succeeded);
                        assertThat(count(registry, "failed")).isEqualTo(failed);
                        assertThat(count(registry, "unknown")).isEqualTo(unknown);
                        assertThat(succeeded + failed + unknown).isEqualTo(recipients);
                        assertThat(registry.get("smtp.pipelining.round.trips").counter().count()).isPositive();
                        assertThat(registry.get("smtp.pipelining.replies").tag("command", "RCPT").tag("class", "5xx")
                                .counter().count()).isEqualTo(1);
                        assertThat(registry.get("smtp.pipelining.messages").tag("outcome", "unknown")
                                .counter().count()).isEqualTo(1);
                        assertThat(registry.get("smtp.pipelining.send").timer().count()).isEqualTo(2);
                        assertThat(registry.get("smtp.pipelining.pool.active").gauge().value()).isZero();
                        assertThat(registry.get("smtp.pipelining.connections").tag("event", "opened")
                                .counter().count()).isGreaterThanOrEqualTo(2);
                    });
        }
    }

    private static double count(SimpleMeterRegistry registry, String outcome) {
        return registry.get("smtp.pipelining.recipients").tag("outcome", outcome).counter().count();
    }

    private static MimeMessage message(PipelinedMailSender sender, String... to) throws Exception {
        MimeMessage m = sender.createMimeMessage();
        MimeMessageHelper h = new MimeMessageHelper(m);
        h.setFrom("sender@example.com");
        h.setTo(to);
        h.setSubject("metrics");
        h.setText("body");
        return m;
    }

    private static MimeMessage lost(PipelinedMailSender sender, String to) throws Exception {
        MimeMessage m = message(sender, to);
        m.setHeader("X-Lost", "yes");
        return m;
    }

}
