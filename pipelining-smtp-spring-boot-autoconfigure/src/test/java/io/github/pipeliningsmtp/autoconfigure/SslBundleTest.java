package io.github.pipeliningsmtp.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.TestCertificates;
import jakarta.mail.internet.MimeMessage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mail.javamail.MimeMessageHelper;

/** TLS trust material from a Spring Boot SSL bundle: STARTTLS required, host name verified against the bundle's CA. */
class SslBundleTest {

    @Test
    void starttlsRequiredWithTheTrustStoreOfAnSslBundle(@TempDir Path dir) throws Exception {
        TestCertificates certificates = TestCertificates.create();
        Path trustStore = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            KeyStore store = certificates.trustStore();
            store.store(out, TestCertificates.PASSWORD.toCharArray());
        }
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(StandardSession.builder()
                    .startTls(certificates.serverContext("localhost")).build());
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class,
                            PipeliningSmtpAutoConfiguration.class))
                    .withPropertyValues("smtp.pipelining.host=localhost", "smtp.pipelining.port=" + server.port(),
                            "smtp.pipelining.tls=starttls-required", "smtp.pipelining.ssl-bundle=smtp",
                            "spring.ssl.bundle.jks.smtp.truststore.location=file:" + trustStore,
                            "spring.ssl.bundle.jks.smtp.truststore.password=" + TestCertificates.PASSWORD,
                            "spring.ssl.bundle.jks.smtp.truststore.type=PKCS12")
                    .run(context -> {
                        PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                        MimeMessage m = sender.createMimeMessage();
                        MimeMessageHelper h = new MimeMessageHelper(m);
                        h.setFrom("sender@example.com");
                        h.setTo("rcpt@example.net");
                        h.setSubject("over TLS");
                        h.setText("hello");
                        SendReport report = sender.sendAndReport(m);
                        assertThat(report.allSucceeded()).as(report.toString()).isTrue();
                    });
            assertThat(server.messages()).hasSize(1);
            assertThat(server.commands()).extracting(c -> c.line()).contains("STARTTLS");
        }
    }

    /** A misspelt bundle name fails startup with the property, the name asked for and the bundles that exist. */
    @Test
    void aMisspeltBundleIsNamedWithTheBundlesThatExist(@TempDir Path dir) throws Exception {
        TestCertificates certificates = TestCertificates.create();
        Path trustStore = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            certificates.trustStore().store(out, TestCertificates.PASSWORD.toCharArray());
        }
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, PipeliningSmtpAutoConfiguration.class))
                .withPropertyValues("smtp.pipelining.host=localhost", "smtp.pipelining.tls=starttls-required");
        runner.withPropertyValues("smtp.pipelining.ssl-bundle=smpt",
                        "spring.ssl.bundle.jks.smtp.truststore.location=file:" + trustStore,
                        "spring.ssl.bundle.jks.smtp.truststore.password=" + TestCertificates.PASSWORD,
                        "spring.ssl.bundle.jks.smtp.truststore.type=PKCS12")
                .run(context -> assertThat(context).getFailure()
                        .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .rootCause().hasMessageContaining("smtp.pipelining.ssl-bundle")
                        .hasMessageContaining("no SSL bundle named 'smpt'").hasMessageContaining("[smtp]"));
        runner.withPropertyValues("smtp.pipelining.ssl-bundle=smtp")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("no SSL bundles are configured")
                        .hasMessageContaining("spring.ssl.bundle.pem.smtp"));
    }
}
