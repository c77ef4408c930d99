package io.github.pipeliningsmtp.autoconfigure.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.Credentials;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testing.StandardSession;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class PipeliningSmtpHealthIndicatorTest {

    private ScriptedSmtpServer server;

    /** A clock the test moves by hand. */
    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-11-29T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private ConnectionSettings settings() {
        return ConnectionSettings.builder("mail.example.com", server.port())
                .resolver(h -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                .greetingTimeout(Duration.ofSeconds(2)).commandTimeout(Duration.ofSeconds(2))
                .credentials(Credentials.password("user@example.com", "S3cret-Pa55")).allowPlaintextAuth(true)
                .build();
    }

    @Test
    void upWithPipeliningAndTheCapabilitiesThatMatterAndNoSecret() throws Exception {
        server = ScriptedSmtpServer.start();
        PipeliningSmtpHealthIndicator indicator = new PipeliningSmtpHealthIndicator(settings(), false,
                Duration.ofSeconds(30), new MovableClock());
        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        Map<String, Object> details = health.getDetails();
        assertThat(details).containsEntry("pipelining", true).containsEntry("host", "mail.example.com")
                .containsEntry("port", server.port()).containsEntry("8bitmime", true).containsEntry("encrypted", false)
                .containsEntry("tlsMode", "none").containsEntry("starttlsOffered", false)
                .containsEntry("sizeLimit", 10485760L).containsKeys("chunking", "smtputf8",
                        "authMechanisms", "durationMs");
        assertThat(details.toString()).doesNotContain("S3cret-Pa55");
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        assertThat(server.commands()).extracting(c -> c.line()).noneMatch(l -> l.startsWith("AUTH"))
                .noneMatch(l -> l.startsWith("MAIL")).last().isEqualTo("QUIT");
        assertThat(indicator.health(false).getDetails()).isEmpty();
    }

    @Test
    void withoutPipeliningUpOrOutOfServiceWhenRequired() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().noPipelining(true).build());
        Health lenient = new PipeliningSmtpHealthIndicator(settings(), false, Duration.ofSeconds(30),
                new MovableClock()).health();
        assertThat(lenient.getStatus()).isEqualTo(Status.UP);
        assertThat(lenient.getDetails()).containsEntry("pipelining", false);
        Health strict = new PipeliningSmtpHealthIndicator(settings(), true, Duration.ofSeconds(30),
                new MovableClock()).health();
        assertThat(strict.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    }

    @Test
    void downWithTheReasonWhenTheServerStopsOnceTheCacheTimeIsOver() throws Exception {
        server = ScriptedSmtpServer.start();
        MovableClock clock = new MovableClock();
        PipeliningSmtpHealthIndicator indicator = new PipeliningSmtpHealthIndicator(settings(), false,
                Duration.ofSeconds(30), clock);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        server.close();
        clock.advance(Duration.ofSeconds(29));
        assertThat(indicator.health().getStatus()).as("cached").isEqualTo(Status.UP);
        clock.advance(Duration.ofSeconds(1));
        Health down = indicator.health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails().get("error").toString()).contains("Connect");
        server = null;
    }

    @Test
    void downWhenTheGreetingIsRefused() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(s -> {
            s.reply("554 5.7.1 No SMTP service here");
            s.stallUntilClientCloses();
        });
        Health down = new PipeliningSmtpHealthIndicator(settings(), false, Duration.ofSeconds(30),
                new MovableClock()).health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails().get("error").toString()).contains("554");
    }

    /**
     * A server that accepts the connection and never greets: the check ends DOWN at its own deadline
     * (here 300 ms), not at the sender's 2 s greeting timeout, and says why.
     */
    @Test
    void aServerThatNeverGreetsIsDownWithinTheHealthTimeout() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(ServerSession::stallUntilClientCloses);
        PipeliningSmtpHealthIndicator indicator = new PipeliningSmtpHealthIndicator(
                settings().toBuilder().greetingTimeout(Duration.ofSeconds(30)).build(), false, Duration.ofSeconds(30),
                Duration.ofMillis(300), new MovableClock());
        long start = System.nanoTime();
        Health down = indicator.health();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails().get("error").toString()).contains("300 ms");
        assertThat(tookMillis).as("bounded by the health timeout, not the greeting timeout").isLessThan(30_000);
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
    }

    @Test
    void aTimeoutThatIsNotPositiveIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PipeliningSmtpHealthIndicator(
                ConnectionSettings.builder("mail.example.com", 25).build(), false, Duration.ofSeconds(30),
                Duration.ZERO, Clock.systemUTC())).isInstanceOf(IllegalArgumentException.class);
    }

    /** smtp.pipelining.health.timeout reaches the indicator; a timeout that is not positive stops startup naming it. */
    @Test
    void theHealthTimeoutPropertyBoundsTheCheckAndIsValidated() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(ServerSession::stallUntilClientCloses);
        io.github.pipeliningsmtp.sender.Senders.runner(server.port(), "smtp.pipelining.health.timeout=250ms",
                "smtp.pipelining.greeting-timeout=30s").run(context -> {
                    Health down = context.getBean(PipeliningSmtpHealthIndicator.class).health();
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails().get("error").toString()).contains("no answer within 250 ms");
                });
        io.github.pipeliningsmtp.sender.Senders.runner(server.port(), "smtp.pipelining.health.timeout=0s")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("smtp.pipelining.health.timeout"));
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
    }
}
