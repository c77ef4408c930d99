package io.github.pipeliningsmtp.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.github.pipeliningsmtp.pacing.LocalSendRateLimit;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.pacing.SharedSendRateLimit;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The send rate limit and the relay profiles at startup: no rate, no limit; a rate, an in-memory
 * limit that the sender's connections draw on; a relay profile's defaults unless a property is set;
 * a shared budget in PostgreSQL with a DataSource; and every bad setting fails naming its property.
 */
class RateLimitConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class))
            .withPropertyValues("smtp.pipelining.host=mail.example.com");

    @Test
    void noRateNoLimit() {
        runner.run(context -> {
            assertThat(context.getBean(SendRateLimit.class)).isSameAs(SendRateLimit.NONE);
            assertThat(context.getBean(PipelinedMailSender.class).pool().sendingOptions().rateLimit())
                    .isSameAs(SendRateLimit.NONE);
        });
    }

    @Test
    void aRateIsAnInMemoryLimitTheConnectionsDrawOn() {
        runner.withPropertyValues("smtp.pipelining.rate.messages-per-second=20",
                "smtp.pipelining.rate.recipients-per-minute=600").run(context -> {
                    SendRateLimit limit = context.getBean(SendRateLimit.class);
                    assertThat(limit).isInstanceOf(LocalSendRateLimit.class);
                    assertThat(((LocalSendRateLimit) limit).limits().messagesPerSecond()).isEqualTo(20);
                    assertThat(((LocalSendRateLimit) limit).limits().recipientsPerMinute()).isEqualTo(600);
                    assertThat(context.getBean(PipelinedMailSender.class).pool().sendingOptions().rateLimit())
                            .isSameAs(limit);
                });
    }

    @Test
    void thePaceBacksOffAfterARateRefusalUnlessBackOffIsFalse() {
        runner.withPropertyValues("smtp.pipelining.rate.messages-per-second=10").run(context -> {
            SendRateLimit limit = context.getBean(SendRateLimit.class);
            limit.relayRefusedRate();
            assertThat(limit.stats().pace()).isEqualTo(0.95, offset(1e-9));
        });
        runner.withPropertyValues("smtp.pipelining.rate.messages-per-second=10", "smtp.pipelining.rate.back-off=false")
                .run(context -> {
                    SendRateLimit limit = context.getBean(SendRateLimit.class);
                    limit.relayRefusedRate();
                    assertThat(limit.stats().pace()).isEqualTo(1.0);
                });
        runner.withBean(DataSource.class, PGSimpleDataSource::new)
                .withPropertyValues("smtp.pipelining.rate.messages-per-second=10",
                        "smtp.pipelining.rate.shared.enabled=true", "smtp.pipelining.rate.back-off=false")
                .run(context -> {
                    SendRateLimit limit = context.getBean(SendRateLimit.class);
                    assertThat(limit).isInstanceOf(SharedSendRateLimit.class);
                    limit.relayRefusedRate();
                    assertThat(limit.stats().pace()).isEqualTo(1.0);
                });
    }

    @Test
    void aRelayProfileSetsItsLimitsUnlessAPropertyIsSet() {
        runner.withPropertyValues("smtp.pipelining.relay-profile=office365").run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            assertThat(sender.pool().settings().maxConnections()).isEqualTo(3);
            assertThat(((LocalSendRateLimit) context.getBean(SendRateLimit.class)).limits().messagesPerMinute())
                    .isEqualTo(30);
        });
        runner.withPropertyValues("smtp.pipelining.relay-profile=OFFICE365", "smtp.pipelining.pool.max-connections=2",
                "smtp.pipelining.rate.messages-per-minute=20").run(context -> {
                    assertThat(context.getBean(PipelinedMailSender.class).pool().settings().maxConnections())
                            .isEqualTo(2);
                    assertThat(((LocalSendRateLimit) context.getBean(SendRateLimit.class)).limits()
                            .messagesPerMinute()).isEqualTo(20);
                });
        runner.withPropertyValues("smtp.pipelining.relay-profile=ses").run(context -> assertThat(
                ((LocalSendRateLimit) context.getBean(SendRateLimit.class)).limits().recipientsPerSecond())
                .isEqualTo(14));
        runner.withPropertyValues("smtp.pipelining.relay-profile=sendgrid").run(context -> {
            assertThat(context.getBean(PipelinedMailSender.class).pool().settings().maxMessagesPerConnection())
                    .isEqualTo(5000);
            assertThat(context.getBean(SendRateLimit.class)).isSameAs(SendRateLimit.NONE);
        });
    }

    @Test
    void aSharedBudgetKeepsItInTheDataSource() {
        runner.withBean(DataSource.class, PGSimpleDataSource::new)
                .withPropertyValues("smtp.pipelining.rate.messages-per-second=20",
                        "smtp.pipelining.rate.shared.enabled=true", "smtp.pipelining.username=news@example.com",
                        "smtp.pipelining.password=secret", "smtp.pipelining.rate.shared.expected-instances=4")
                .run(context -> {
                    SharedSendRateLimit limit = (SharedSendRateLimit) context.getBean(SendRateLimit.class);
                    assertThat(limit.options().key()).isEqualTo("news@example.com@mail.example.com:25");
                    assertThat(limit.options().expectedInstances()).isEqualTo(4);
                });
    }

    @Test
    void badSettingsFailAtStartupNamingTheProperty() {
        fails(runner.withPropertyValues("smtp.pipelining.rate.messages-per-second=0"),
                "smtp.pipelining.rate.messages-per-second");
        fails(runner.withPropertyValues("smtp.pipelining.rate.recipients-per-minute=-5"),
                "smtp.pipelining.rate.recipients-per-minute");
        fails(runner.withPropertyValues("smtp.pipelining.rate.messages-per-minute=10", "smtp.pipelining.rate.max-wait=0s"),
                "smtp.pipelining.rate.max-wait");
        fails(runner.withPropertyValues("smtp.pipelining.relay-profile=mailchimp"), "smtp.pipelining.relay-profile",
                "allowed: office365, ses, gmail, sendgrid");
        fails(runner.withPropertyValues("smtp.pipelining.rate.messages-per-second=20",
                "smtp.pipelining.rate.shared.enabled=true"), "smtp.pipelining.rate.shared.enabled", "DataSource");
        fails(runner.withPropertyValues("smtp.pipelining.rate.shared.enabled=true")
                .withBean(DataSource.class, PGSimpleDataSource::new), "smtp.pipelining.rate.shared.enabled", "needs a rate");
        fails(runner.withPropertyValues("smtp.pipelining.rate.messages-per-second=20",
                        "smtp.pipelining.rate.shared.enabled=true", "smtp.pipelining.rate.shared.expected-instances=0")
                .withBean(DataSource.class, PGSimpleDataSource::new), "smtp.pipelining.rate.shared.expected-instances");
        fails(runner.withPropertyValues("smtp.pipelining.rate.messages-per-second=20",
                        "smtp.pipelining.rate.shared.enabled=true")
                .withBean(DataSource.class, PGSimpleDataSource::new)
                .withClassLoader(new FilteredClassLoader("io.github.bucket4j.postgresql")),
                "smtp.pipelining.rate.shared.enabled", "bucket4j_jdk17-postgresql");
    }

    private static void fails(ApplicationContextRunner runner, String... inMessage) {
        runner.run(context -> {
            assertThat(context).hasFailed();
            StringBuilder messages = new StringBuilder();
            for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            for (String s : inMessage) {
                assertThat(messages.toString()).contains(s);
            }
        });
    }
}
