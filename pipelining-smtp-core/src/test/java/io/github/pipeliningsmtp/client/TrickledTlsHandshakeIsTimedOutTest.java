package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testing.TestCertificates;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A TLS handshake trickled or stalled by the server (docs/fault-kinds.md#session-start-failure): the
 * handshake timeout is a deadline for the whole handshake, not for each read. The server sends the
 * header of a 16 KB TLS record and then one byte every 100 ms, so no single read ever waits long;
 * the client still gives up when the deadline (1 s here) passes, and closes the socket.
 */
class TrickledTlsHandshakeIsTimedOutTest {

    private static final TestCertificates CERTS = TestCertificates.create();
    private static final Duration DEADLINE = Duration.ofSeconds(1);

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    /**
     * Once the client's ClientHello has begun to arrive (bytes sent before it would be plaintext
     * injection, which the client refuses otherwise): a handshake record header announcing 16,384
     * bytes, then a byte every 100 ms until the client closes.
     */
    private static void trickleAHandshake(ServerSession s) throws InterruptedException {
        try {
            s.readExactly(5);
            s.write(new byte[] {0x16, 0x03, 0x03, 0x40, 0x00});
            for (int i = 0; i < 300; i++) {
                Thread.sleep(100);
                s.write(new byte[] {0x02});
            }
        } catch (IOException clientClosed) {
            // the client gave up: what this test waits for
        }
        s.closeFin();
    }

    private static ConnectionSettings.Builder tls(ConnectionSettings.Builder b, TlsMode mode) {
        return b.tlsMode(mode).sslContext(CERTS.clientContextTrustingCa()).greetingTimeout(DEADLINE)
                .commandTimeout(DEADLINE);
    }

    @Test
    void aTrickledStartTlsHandshakeEndsAtTheCommandTimeout() {
        server.enqueue(s -> {
            greet(s, "250-mail.example.com", "250-PIPELINING", "250 STARTTLS");
            assertThat(s.readLine()).isEqualTo("STARTTLS");
            s.reply("220 2.0.0 Ready to start TLS");
            trickleAHandshake(s);
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> SmtpConnection.open(tls(ClientFixtures.settings(server), TlsMode.STARTTLS_REQUIRED)
                .build()))
                .isInstanceOfSatisfying(SmtpTimeoutException.class, e -> {
                    assertThat(e.step()).isEqualTo(SmtpStep.STARTTLS);
                    assertThat(e.command()).isEqualTo("TLS handshake");
                });
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(elapsedMs).isLessThan(DEADLINE.toMillis() * 3);
    }

    @Test
    void aTrickledImplicitTlsHandshakeEndsAtTheGreetingTimeout() {
        server.enqueue(TrickledTlsHandshakeIsTimedOutTest::trickleAHandshake);
        long start = System.nanoTime();
        assertThatThrownBy(() -> SmtpConnection.open(tls(ClientFixtures.settings(server), TlsMode.IMPLICIT).build()))
                .isInstanceOfSatisfying(SmtpTimeoutException.class, e -> {
                    assertThat(e.step()).isEqualTo(SmtpStep.CONNECT);
                    assertThat(e.command()).isEqualTo("TLS handshake");
                });
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(elapsedMs).isLessThan(DEADLINE.toMillis() * 3);
    }

    @Test
    void aHandshakeStalledMidwayEndsAtTheDeadline() {
        server.enqueue(s -> {
            greet(s, "250-mail.example.com", "250-PIPELINING", "250 STARTTLS");
            assertThat(s.readLine()).isEqualTo("STARTTLS");
            s.reply("220 2.0.0 Ready to start TLS");
            s.readExactly(5); // the ClientHello's record header
            s.write(new byte[] {0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00});
            s.stallUntilClientCloses();
        });
        assertThatThrownBy(() -> SmtpConnection.open(tls(ClientFixtures.settings(server), TlsMode.STARTTLS_REQUIRED)
                .build()))
                .isInstanceOfSatisfying(SmtpTimeoutException.class, e -> assertThat(e.step()).isEqualTo(SmtpStep.STARTTLS));
    }
}
