package io.github.pipeliningsmtp.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.TlsMode;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.mail.autoconfigure.MailSenderAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

@ExtendWith(OutputCaptureExtension.class)
class PipeliningSmtpAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class, MailSenderAutoConfiguration.class));

    @Test
    void noHostNoSender() {
        runner.run(context -> assertThat(context).doesNotHaveBean(PipelinedMailSender.class));
    }

    @Test
    void hostConfiguresThePipelinedSenderAndBootsOwnSenderBacksOff() {
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com", "spring.mail.host=other.example.com")
                .run(context -> {
                    assertThat(context).hasSingleBean(JavaMailSender.class);
                    assertThat(context.getBean(JavaMailSender.class)).isInstanceOf(PipelinedMailSender.class);
                    assertThat(context).doesNotHaveBean(JavaMailSenderImpl.class);
                });
    }

    @Test
    void withoutOurHostBootsOwnSenderStays() {
        runner.withPropertyValues("spring.mail.host=other.example.com")
                .run(context -> assertThat(context.getBean(JavaMailSender.class)).isInstanceOf(JavaMailSenderImpl.class));
    }

    @Test
    void anApplicationSenderWins() {
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com")
                .withUserConfiguration(OwnSender.class)
                .run(context -> {
                    assertThat(context).hasSingleBean(JavaMailSender.class);
                    assertThat(context).doesNotHaveBean(PipelinedMailSender.class);
                });
    }

    @Test
    void missingJakartaMailOrSpringMailBacksOff() {
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com")
                .withClassLoader(new FilteredClassLoader(JavaMailSender.class))
                .run(context -> assertThat(context).doesNotHaveBean(PipelinedMailSender.class));
    }

    @Test
    void invalidValuesFailStartupNamingTheProperty() {
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com", "smtp.pipelining.pool.max-connections=0")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("smtp.pipelining.pool.max-connections"));
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com", "smtp.pipelining.command-timeout=0s")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("smtp.pipelining.command-timeout"));
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com", "smtp.pipelining.port=70000")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("smtp.pipelining.host"));
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com", "smtp.pipelining.username=u")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("smtp.pipelining.password"));
    }

    @Test
    void credentialsMakeStarttlsRequiredByDefault() {
        PipeliningSmtpProperties p = new PipeliningSmtpProperties();
        p.setHost("mail.example.com");
        assertThat(SettingsMapper.tlsMode(p)).isEqualTo(TlsMode.NONE);
        p.setUsername("user");
        assertThat(SettingsMapper.tlsMode(p)).isEqualTo(TlsMode.STARTTLS_REQUIRED);
        p.setTls(PipeliningSmtpProperties.Tls.STARTTLS);
        assertThat(SettingsMapper.tlsMode(p)).isEqualTo(TlsMode.STARTTLS_OPPORTUNISTIC);
        p.setPassword("S3cret-Pa55");
        assertThat(p.toString()).doesNotContain("S3cret-Pa55");
    }

    @Test
    void turningHostnameVerificationOffLogsAWarning(CapturedOutput output) {
        runner.withPropertyValues("smtp.pipelining.host=mail.example.com", "smtp.pipelining.tls=starttls-required",
                "smtp.pipelining.verify-hostname=false")
                .run(context -> assertThat(context).hasSingleBean(PipelinedMailSender.class));
        assertThat(output).contains("verify-hostname=false");
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnSender {
        @Bean
        JavaMailSender ownSender() {
            return new JavaMailSenderImpl();
        }
    }
}
