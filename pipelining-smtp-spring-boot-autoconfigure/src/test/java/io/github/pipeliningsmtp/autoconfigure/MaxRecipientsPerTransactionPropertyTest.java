package io.github.pipeliningsmtp.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.sender.Senders;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StoredMessage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code smtp.pipelining.max-recipients-per-transaction}: unset is no limit of the client's own, a
 * relay profile sets its recipients per message, a property set explicitly wins, 0 or below stops
 * startup naming the property, and the limit reaches the engine (a message of 7 recipients goes in
 * transactions of 3, 3 and 1).
 */
class MaxRecipientsPerTransactionPropertyTest {

    private static final String PROPERTY = "smtp.pipelining.max-recipients-per-transaction";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class))
            .withPropertyValues("smtp.pipelining.host=mail.example.com");

    private static int limit(org.springframework.context.ApplicationContext context) {
        return context.getBean(PipelinedMailSender.class).pool().sendingOptions().maxRecipientsPerTransaction();
    }

    @Test
    void unsetIsNoLimitOfItsOwn() {
        runner.run(context -> assertThat(limit(context)).isEqualTo(SendingOptions.NO_RECIPIENT_LIMIT));
        runner.withPropertyValues(PROPERTY + "=3").run(context -> assertThat(limit(context)).isEqualTo(3));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"office365, 500", "ses, 50", "gmail, 100", "sendgrid, 1000"})
    void aRelayProfileSetsItsRecipientsPerMessage(String profile, int recipients) {
        runner.withPropertyValues("smtp.pipelining.relay-profile=" + profile)
                .run(context -> assertThat(limit(context)).isEqualTo(recipients));
    }

    @ParameterizedTest(name = "ses with {0}")
    @ValueSource(ints = {20, 2000})
    void aPropertySetExplicitlyWinsOverTheProfile(int explicit) {
        runner.withPropertyValues("smtp.pipelining.relay-profile=ses", PROPERTY + "=" + explicit)
                .run(context -> assertThat(limit(context)).isEqualTo(explicit));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void zeroOrBelowFailsAtStartupNamingTheProperty(int value) {
        runner.withPropertyValues(PROPERTY + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            StringBuilder messages = new StringBuilder();
            for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertThat(messages.toString()).contains(PROPERTY).contains("at least 1");
        });
    }

    @Test
    void thePropertyIsInTheIdeMetadata() throws Exception {
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("\"" + PROPERTY + "\"");
        }
    }

    @Test
    void theLimitReachesTheEngine() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            String[] to = IntStream.rangeClosed(1, 7).mapToObj(i -> "rcpt-" + i + "@example.net")
                    .toArray(String[]::new);
            Senders.runner(server.port(), PROPERTY + "=3").run(context -> {
                PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                SendReport report = sender.sendAndReport(Senders.message(sender, to));
                assertThat(report.allSucceeded()).as(report.toString()).isTrue();
                assertThat(report.succeeded()).isEqualTo(7);
            });
            server.awaitNoOpenConnections(Duration.ofSeconds(5));
            assertThat(server.messages()).extracting(StoredMessage::recipients).containsExactly(
                    List.of(to[0], to[1], to[2]), List.of(to[3], to[4], to[5]), List.of(to[6]));
        }
    }
}
