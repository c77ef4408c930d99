package io.github.pipeliningsmtp.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.delivery.RetryPolicy;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code smtp.pipelining.retry.*} and {@code smtp.pipelining.pool.adaptive-concurrency.*} reach the
 * engine, their defaults are the engine's, and a bad value fails startup naming the property.
 */
class RetryAndAdaptiveConcurrencyPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class))
            .withPropertyValues("smtp.pipelining.host=mail.example.com");

    @Test
    void retryIsOffAndAdaptiveConcurrencyOnByDefault() {
        runner.run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            assertThat(sender.mailer().retryPolicy().enabled()).isFalse();
            assertThat(sender.pool().settings().adaptiveConcurrency()).isTrue();
            assertThat(sender.pool().settings().successesBeforeIncrease())
                    .isEqualTo(PoolSettings.defaults().successesBeforeIncrease());
        });
        RetryPolicy mapped = SettingsMapper.retry(enabled(new RetryProperties()));
        assertThat(mapped.toString()).isEqualTo(RetryPolicy.builder().enabled(true).build().toString());
    }

    private static RetryProperties enabled(RetryProperties p) {
        p.setEnabled(true);
        return p;
    }

    @Test
    void settingsReachTheEngine() {
        runner.withPropertyValues("smtp.pipelining.retry.enabled=true", "smtp.pipelining.retry.max-attempts=3",
                "smtp.pipelining.retry.initial-back-off=200ms", "smtp.pipelining.retry.multiplier=1.5",
                "smtp.pipelining.retry.max-back-off=2s", "smtp.pipelining.retry.jitter=0",
                "smtp.pipelining.retry.budget=5s", "smtp.pipelining.pool.adaptive-concurrency.enabled=false",
                "smtp.pipelining.pool.adaptive-concurrency.successes-before-increase=7").run(context -> {
                    PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                    RetryPolicy p = sender.mailer().retryPolicy();
                    assertThat(p.enabled()).isTrue();
                    assertThat(p.maxAttempts()).isEqualTo(3);
                    assertThat(p.initialBackOff()).isEqualTo(Duration.ofMillis(200));
                    assertThat(p.multiplier()).isEqualTo(1.5);
                    assertThat(p.maxBackOff()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(p.jitter()).isZero();
                    assertThat(p.budget()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(sender.pool().settings().adaptiveConcurrency()).isFalse();
                    assertThat(sender.pool().settings().successesBeforeIncrease()).isEqualTo(7);
                });
    }

    @Test
    void badValuesFailStartupNamingTheProperty() {
        fails("smtp.pipelining.retry.budget", "smtp.pipelining.retry.enabled=true",
                "smtp.pipelining.retry.initial-back-off=5s", "smtp.pipelining.retry.budget=1s");
        fails("smtp.pipelining.retry.max-attempts", "smtp.pipelining.retry.max-attempts=0");
        fails("smtp.pipelining.retry.initial-back-off", "smtp.pipelining.retry.initial-back-off=-1s");
        fails("smtp.pipelining.retry.multiplier", "smtp.pipelining.retry.multiplier=0.5");
        fails("smtp.pipelining.retry.jitter", "smtp.pipelining.retry.jitter=2");
        fails("smtp.pipelining.retry.budget", "smtp.pipelining.retry.budget=0s");
        fails("smtp.pipelining.retry.max-back-off", "smtp.pipelining.retry.initial-back-off=5s",
                "smtp.pipelining.retry.max-back-off=1s");
        fails("smtp.pipelining.pool.adaptive-concurrency.successes-before-increase",
                "smtp.pipelining.pool.adaptive-concurrency.successes-before-increase=0");
    }

    private void fails(String property, String... values) {
        runner.withPropertyValues(values).run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining(property));
    }
}
