package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Greeting timeout and socket leak (docs/fault-kinds.md#session-start-failure), at the connection level: a silent server, a 554 greeting,
 * an unanswered EHLO and a refused connect each fail fast with an exception that names what was
 * awaited, and the socket is closed at once. Timeouts are scaled down to keep the test fast.
 */
class SessionStartFailureTest {

    private static final Duration TIMEOUT = Duration.ofMillis(400);
    private static final long TOLERANCE_MS = 500;

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    private ConnectionSettings settings() {
        return ClientFixtures.settings(server).greetingTimeout(TIMEOUT).commandTimeout(TIMEOUT).build();
    }

    @Test
    void variantA_silentServer_timesOutNamingTheGreeting() throws Exception {
        server.setDefaultScript(s -> s.stallUntilClientCloses());
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> SmtpConnection.open(settings()))
                    .isInstanceOf(SmtpTimeoutException.class)
                    .hasMessageContaining("greeting")
                    .satisfies(e -> assertThat(((SmtpTimeoutException) e).command()).isEqualTo("greeting"));
            assertThat(elapsedMs(start)).isLessThan(TIMEOUT.toMillis() + TOLERANCE_MS);
            server.awaitNoOpenConnections(Duration.ofMillis(500));
        }
        assertThat(server.connectionCount()).isEqualTo(5);
    }

    @Test
    void variantB_554Greeting_failsAtOnceWithTheReply() throws Exception {
        server.setDefaultScript(s -> {
            s.reply("554 5.7.1 No SMTP service here");
            s.stallUntilClientCloses();
        });
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> SmtpConnection.open(settings()))
                    .isInstanceOfSatisfying(SmtpReplyException.class, e -> {
                        SmtpError error = e.error().orElseThrow();
                        assertThat(error.command()).isEqualTo("greeting");
                        assertThat(error.code()).isEqualTo(554);
                        assertThat(error.enhancedStatusCode()).contains("5.7.1");
                    });
            assertThat(elapsedMs(start)).isLessThan(TOLERANCE_MS);
            server.awaitNoOpenConnections(Duration.ofMillis(500));
        }
    }

    @Test
    void variantC_unansweredEhlo_timesOutNamingEhlo() throws Exception {
        server.setDefaultScript(s -> {
            s.reply("220 mail.example.com ESMTP test");
            s.readLine();
            s.stallUntilClientCloses();
        });
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> SmtpConnection.open(settings()))
                    .isInstanceOfSatisfying(SmtpTimeoutException.class,
                            e -> assertThat(e.command()).isEqualTo("EHLO"));
            assertThat(elapsedMs(start)).isLessThan(TIMEOUT.toMillis() + TOLERANCE_MS);
            server.awaitNoOpenConnections(Duration.ofMillis(500));
        }
    }

    @Test
    void ehloRefusedWith502FallsBackToHelo() throws Exception {
        server.enqueue(s -> {
            s.reply("220 old.example.com SMTP");
            assertThat(s.readLine()).startsWith("EHLO ");
            s.reply("502 5.5.2 Command not recognized");
            assertThat(s.readLine()).isEqualTo("HELO client.example.org");
            s.reply("250 old.example.com");
            ClientFixtures.quit(s);
        });
        try (SmtpConnection c = SmtpConnection.open(settings())) {
            assertThat(c.isPipelining()).isFalse();
            assertThat(c.capabilities().keywords()).isEmpty();
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(1));
    }

    @Test
    void connectionRefusedFailsWithAConnectException() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ConnectionSettings settings = ClientFixtures.settings(port).build();
        long start = System.nanoTime();
        assertThatThrownBy(() -> SmtpConnection.open(settings)).isInstanceOf(ConnectException.class);
        assertThat(elapsedMs(start)).isLessThan(1500);
    }

    @Test
    void quitIsSentOnCloseAndTheConnectionCountsItsRoundTrips() throws Exception {
        server.enqueue(s -> {
            ClientFixtures.greet(s, D_EHLO);
            ClientFixtures.quit(s);
        });
        SmtpConnection c = SmtpConnection.open(settings());
        assertThat(c.roundTrips()).isEqualTo(1);
        c.close();
        c.close();
        assertThat(c.state()).isEqualTo(SmtpConnection.State.CLOSED);
        server.awaitNoOpenConnections(Duration.ofSeconds(1));
        assertThat(server.commands()).extracting(r -> r.line()).last().isEqualTo("QUIT");
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
