package io.github.pipeliningsmtp.autoconfigure.metrics;

import static io.github.pipeliningsmtp.sender.Senders.message;
import static io.github.pipeliningsmtp.sender.Senders.runner;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthIndicator;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthMeterBinder;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every series the Grafana dashboard (docs/grafana/pipelining-smtp.json) queries exists in a
 * Prometheus scrape after one batch (with a refused recipient) and one health check against the
 * scripted server, so a renamed meter cannot silently empty a panel.
 */
class DashboardMetersExistTest {

    private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "pipelining-smtp.json");
    private static final Pattern EXPR = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern SERIES = Pattern.compile("\\b(smtp_pipelining_[a-z0-9_]+)\\b");

    static Set<String> queriedSeries(String json) {
        Set<String> names = new TreeSet<>();
        Matcher expr = EXPR.matcher(json);
        while (expr.find()) {
            Matcher series = SERIES.matcher(expr.group(1));
            while (series.find()) {
                names.add(series.group(1));
            }
        }
        return names;
    }

    @Test
    void everySeriesTheDashboardQueriesIsScrapedAfterABatch() throws Exception {
        String json = Files.readString(DASHBOARD, StandardCharsets.UTF_8);
        Set<String> queried = queriedSeries(json);
        assertThat(queried).as("series the dashboard queries").contains("smtp_pipelining_recipients_total",
                "smtp_pipelining_recipients_accepted_total", "smtp_pipelining_round_trips_total",
                "smtp_pipelining_messages_total", "smtp_pipelining_pool_active", "smtp_pipelining_health",
                "smtp_pipelining_send_seconds_count");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(StandardSession.builder().rcptReply((s, address) -> address.startsWith("bad")
                    ? List.of("550 5.1.1 User unknown") : null).build());
            runner(server.port()).run(context -> {
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                context.getBean(PipeliningSmtpMetrics.class).bindTo(registry);
                context.getBean(PipeliningSmtpHealthMeterBinder.class).bindTo(registry);
                PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                SendReport report = sender.sendAndReport(message(sender, "ok@example.net", "bad@example.net"),
                        message(sender, "ok2@example.net"));
                assertThat(report.failed()).isEqualTo(1);
                context.getBean(PipeliningSmtpHealthIndicator.class).health();

                String scrape = registry.scrape();
                Set<String> scraped = new TreeSet<>();
                for (String line : scrape.split("\n")) {
                    Matcher m = Pattern.compile("^(smtp_pipelining_[a-z0-9_]+)[{ ]").matcher(line);
                    if (m.find()) {
                        scraped.add(m.group(1));
                    }
                }
                assertThat(scraped).as("scraped series\n" + scrape).containsAll(queried);
                assertThat(scrape).containsPattern("(?m)^smtp_pipelining_health(\\{[^}]*\\})? 1\\.0$");
                assertThat(scrape).doesNotContain("outcome=\"accepted\"");
            });
            server.awaitNoOpenConnections(Duration.ofSeconds(5));
        }
    }

    @Test
    void theExpressionsAreReadFromTheJson() {
        assertThat(queriedSeries("{\"expr\": \"sum(rate(smtp_pipelining_a_total{name=~\\\"$name\\\"}[5m])) "
                + "/ smtp_pipelining_b\"}, {\"legendFormat\": \"smtp_pipelining_not_a_query\"}"))
                .containsExactly("smtp_pipelining_a_total", "smtp_pipelining_b");
    }
}
