package io.github.pipeliningsmtp.autoconfigure.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.mail.autoconfigure.MailSenderAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/** Migration traps: one WARN says which sender is in use and which properties are ignored. */
@ExtendWith(OutputCaptureExtension.class)
class SenderChoiceReportTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class, MailSenderAutoConfiguration.class,
                    SenderChoiceAutoConfiguration.class));

    private static int occurrences(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void onlySpringMailHostWarnsThatBootsNonPipeliningSenderIsInUse(CapturedOutput output) {
        runner.withPropertyValues("spring.mail.host=mail.example.com", "spring.mail.password=S3cret-Pa55",
                "smtp.pipelining.pool.max-connections=8").run(context -> {
                    assertThat(context.getBean(org.springframework.mail.javamail.JavaMailSender.class))
                            .isInstanceOf(JavaMailSenderImpl.class);
                });
        assertThat(occurrences(output.getOut(), "spring.mail.host is set and smtp.pipelining.host is not")).isEqualTo(1);
        assertThat(output).contains("WARN").contains("the JavaMailSender is JavaMailSenderImpl (Spring Boot's")
                .contains("no pipelining").contains("these properties are ignored: [smtp.pipelining.pool.max-connections]")
                .doesNotContain("S3cret-Pa55");
    }

    @Test
    void bothHostsWarnThatSpringMailIsIgnored(CapturedOutput output) {
        runner.withPropertyValues("smtp.pipelining.host=relay.example.com", "spring.mail.host=mail.example.com",
                "spring.mail.port=587", "spring.mail.password=S3cret-Pa55").run(context -> {
                    assertThat(context).hasNotFailed();
                });
        assertThat(occurrences(output.getOut(), "Both smtp.pipelining.host and spring.mail.host are set")).isEqualTo(1);
        assertThat(output).contains("the JavaMailSender is the pipelined sender")
                .contains("[spring.mail.host, spring.mail.password, spring.mail.port]").doesNotContain("S3cret-Pa55");
    }

    @Test
    void onlyOurHostSaysNothing(CapturedOutput output) {
        runner.withPropertyValues("smtp.pipelining.host=relay.example.com").run(context -> {
            assertThat(context).hasSingleBean(SenderChoiceReport.class);
            assertThat(context.getBean(SenderChoiceReport.class).warning()).isNull();
        });
        assertThat(output).doesNotContain("spring.mail.host");
    }
}
