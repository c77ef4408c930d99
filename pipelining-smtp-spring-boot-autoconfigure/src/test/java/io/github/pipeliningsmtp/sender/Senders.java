package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.metrics.PipeliningSmtpMetricsAutoConfiguration;
import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mail.javamail.MimeMessageHelper;

/**
 * The Spring-only test helper of this module: senders for tests against a scripted server on
 * 127.0.0.1 (mail.example.com), and the starter's auto-configurations (sender, health, metrics, SSL
 * bundles) as an application gets them. The client settings come from core's
 * {@link io.github.pipeliningsmtp.testkit.ClientFixtures}.
 */
public final class Senders {

    private Senders() {
    }

    public static PipelinedMailSender sender(ConnectionSettings settings, int maxConnections, SmtpListener listener) {
        return sender(settings, maxConnections, Duration.ofSeconds(2), listener);
    }

    public static PipelinedMailSender sender(ConnectionSettings settings, int maxConnections, Duration maxWait,
                                             SmtpListener listener) {
        PoolSettings pool = PoolSettings.builder().maxConnections(maxConnections).maxWait(maxWait).build();
        return new PipelinedMailSender(new SmtpConnectionPool(settings, SendingOptions.DEFAULTS, pool, listener), "UTF-8",
                DeliveryPolicy.PARTIAL, Duration.ofSeconds(5));
    }

    /** The auto-configurations against 127.0.0.1:{@code port}, with test timeouts, plus {@code properties}. */
    public static ApplicationContextRunner runner(int port, String... properties) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class,
                        PipeliningSmtpAutoConfiguration.class, PipeliningSmtpHealthAutoConfiguration.class,
                        PipeliningSmtpMetricsAutoConfiguration.class))
                .withPropertyValues("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.port=" + port,
                        "smtp.pipelining.connect-timeout=2s", "smtp.pipelining.greeting-timeout=5s",
                        "smtp.pipelining.command-timeout=5s", "smtp.pipelining.data-timeout=10s",
                        "smtp.pipelining.shutdown-timeout=2s")
                .withPropertyValues(properties);
    }

    public static MimeMessage message(PipelinedMailSender sender, String... to) throws Exception {
        MimeMessage m = sender.createMimeMessage();
        MimeMessageHelper h = new MimeMessageHelper(m);
        h.setFrom("sender@example.com");
        h.setTo(to);
        h.setSubject("attack");
        h.setText("body of the message\r\n");
        return m;
    }

    public static double recipients(SimpleMeterRegistry registry, String outcome) {
        return registry.get("smtp.pipelining.recipients").tag("outcome", outcome).counter().count();
    }

    /** succeeded + failed + unknown as the meters say. */
    public static double settled(SimpleMeterRegistry registry) {
        return recipients(registry, "succeeded") + recipients(registry, "failed") + recipients(registry, "unknown");
    }

    public static long settled(SendReport report) {
        return report.succeeded() + report.failed() + report.unknown();
    }

    /** Counts live connections and the most that were ever open at once. */
    static final class ConnectionCounter implements SmtpListener {
        final AtomicInteger live = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final AtomicInteger opened = new AtomicInteger();

        @Override
        public void connectionOpened() {
            opened.incrementAndGet();
            max.accumulateAndGet(live.incrementAndGet(), Math::max);
        }

        @Override
        public void connectionRetired(io.github.pipeliningsmtp.client.RetireReason reason) {
            live.decrementAndGet();
        }
    }
}
