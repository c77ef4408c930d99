package io.github.pipeliningsmtp.attack;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.metrics.PipeliningSmtpMetricsAutoConfiguration;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.internet.MimeMessage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mail.javamail.MimeMessageHelper;

/** The starter's auto-configurations (sender, health, metrics, SSL bundles), as an application gets them. */
final class SpringAttackSupport {

    private SpringAttackSupport() {
    }

    static ApplicationContextRunner runner(int port, String... properties) {
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

    static MimeMessage message(PipelinedMailSender sender, String... to) throws Exception {
        MimeMessage m = sender.createMimeMessage();
        MimeMessageHelper h = new MimeMessageHelper(m);
        h.setFrom("sender@example.com");
        h.setTo(to);
        h.setSubject("attack");
        h.setText("body of the message\r\n");
        return m;
    }

    static double recipients(SimpleMeterRegistry registry, String outcome) {
        return registry.get("smtp.pipelining.recipients").tag("outcome", outcome).counter().count();
    }

    /** succeeded + failed + unknown as the meters say. */
    static double settled(SimpleMeterRegistry registry) {
        return recipients(registry, "succeeded") + recipients(registry, "failed") + recipients(registry, "unknown");
    }

    static long settled(SendReport report) {
        return report.succeeded() + report.failed() + report.unknown();
    }
}
