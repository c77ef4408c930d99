package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testing.TestCertificates;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * STARTTLS and plaintext injected before the handshake (docs/fault-kinds.md#starttls-injection). StartTlsInjectionTest sends the 220 and the
 * injected bytes in one segment. Here the 220 itself arrives in pieces (split inside the line,
 * and as a multi-line 220 one line per segment): the session must still work, because a reply
 * split across reads is legal (RFC 5321 §4.2); and when the injected bytes come in the same read
 * as the last piece of the 220, the client must still abort before the handshake.
 */
class StartTlsReplyInPiecesTest {

    private static final TestCertificates CERTS = TestCertificates.create();

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    private ConnectionSettings settings() {
        return ClientFixtures.settings(server)
                .tlsMode(TlsMode.STARTTLS_REQUIRED)
                .sslContext(CERTS.clientContextTrustingCa())
                .build();
    }

    /** Greeting, EHLO with STARTTLS, reads STARTTLS, then writes the pieces with a pause between. */
    private static void untilStartTls(ServerSession s) throws Exception {
        s.reply("220 mail.example.com ESMTP test");
        assertThat(s.readLine()).startsWith("EHLO ");
        s.reply("250-mail.example.com", "250-PIPELINING", "250-STARTTLS", "250 8BITMIME");
        assertThat(s.readLine()).isEqualTo("STARTTLS");
    }

    private static void writePieces(ServerSession s, String... pieces) throws Exception {
        for (String p : pieces) {
            s.write(p.getBytes(StandardCharsets.US_ASCII));
            s.pause(Duration.ofMillis(150));
        }
    }

    /** After the pieces: handshake, EHLO over TLS, one pipelined transaction, QUIT. */
    private static void afterTls(ServerSession s) throws Exception {
        s.startTls(CERTS.serverContext("mail.example.com"));
        assertThat(s.readLine()).startsWith("EHLO ");
        s.reply("250-mail.example.com", "250 PIPELINING");
        String mail = s.readLine();
        String rcpt = s.readLine();
        String data = s.readLine();
        assertThat(List.of(mail, rcpt, data)).satisfiesExactly(
                m -> assertThat(m).startsWith("MAIL FROM:"), r -> assertThat(r).startsWith("RCPT TO:"),
                d -> assertThat(d).isEqualTo("DATA"));
        s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 go");
        byte[] content = s.readData();
        s.store("sender@example.com", List.of(rcpt(1)), content);
        s.reply("250 2.0.0 queued");
        ClientFixtures.quit(s);
    }

    private void assertDelivered() throws Exception {
        try (SmtpConnection c = SmtpConnection.open(settings())) {
            assertThat(c.isTls()).isTrue();
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(512, rcpt(1)))).get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        server.awaitScriptsFinished(Duration.ofSeconds(3));
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.events()).as("no plaintext buffered before the server's TLS").isEmpty();
        assertThat(server.messages()).hasSize(1);
    }

    @Test
    void a220SplitInsideTheLineStillLeadsToTls() throws Exception {
        server.enqueue(s -> {
            untilStartTls(s);
            writePieces(s, "2", "20 2.0.0 Ready to", " start TLS\r", "\n");
            afterTls(s);
        });
        assertDelivered();
    }

    @Test
    void aMultiLine220OneLinePerSegmentStillLeadsToTls() throws Exception {
        server.enqueue(s -> {
            untilStartTls(s);
            writePieces(s, "220-2.0.0 Ready\r\n", "220-2.0.0 to\r\n", "220 2.0.0 start TLS\r\n");
            afterTls(s);
        });
        assertDelivered();
    }

    private void assertAborted() throws Exception {
        assertThatThrownBy(() -> SmtpConnection.open(settings()))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining("unexpected data after the STARTTLS reply");
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.awaitScriptsFinished(Duration.ofSeconds(3));
        assertThat(server.commands()).extracting(RecordedCommand::verb).containsExactly("EHLO", "STARTTLS");
        assertThat(server.events()).as("nothing (not even a ClientHello) written after STARTTLS").isEmpty();
    }

    private static void recordUntilClose(ServerSession s) throws Exception {
        while (s.readLine() != null) {
            // recorded
        }
    }

    @Test
    void injectionInTheSameReadAsTheLastPieceOfASplit220Aborts() throws Exception {
        server.enqueue(s -> {
            untilStartTls(s);
            writePieces(s, "220 2.0.0 Rea", "dy to start TLS\r\n250-AUTH PLAIN\r\n250 SMTPUTF8\r\n");
            recordUntilClose(s);
        });
        assertAborted();
    }

    @Test
    void injectionAfterTheLastLineOfAMultiLine220InTheSameReadAborts() throws Exception {
        server.enqueue(s -> {
            untilStartTls(s);
            writePieces(s, "220-2.0.0 Ready\r\n", "220 2.0.0 go ahead\r\n250-X");
            recordUntilClose(s);
        });
        assertAborted();
    }

    @Test
    void injectionOfAPartialLineRightAfterASplitCrLfAborts() throws Exception {
        server.enqueue(s -> {
            untilStartTls(s);
            writePieces(s, "220 2.0.0 Ready\r", "\n2");
            recordUntilClose(s);
        });
        assertAborted();
    }
}
