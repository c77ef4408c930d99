package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.TestCertificates;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * STARTTLS and plaintext injected before the handshake (docs/fault-kinds.md#starttls-injection). The project
 * takes the stricter outcome: bytes that
 * arrive with the 220 reply to STARTTLS (before the handshake) abort the connection with a protocol
 * error, and nothing more is written. When the session goes on normally, every capability learnt
 * before TLS is forgotten: only the post-TLS EHLO counts.
 */
class StartTlsInjectionTest {

    private static final TestCertificates CERTS = TestCertificates.create();
    private static final String USER = "user@example.com";
    private static final String PASSWORD = "S3cret-Pa55";

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    private ConnectionSettings settings() {
        return ClientFixtures.settings(server)
                .tlsMode(TlsMode.STARTTLS_REQUIRED)
                .sslContext(CERTS.clientContextTrustingCa())
                .credentials(Credentials.password(USER, PASSWORD))
                .authMechanism("PLAIN")
                .build();
    }

    @ParameterizedTest(name = "variant {0}")
    @ValueSource(strings = {"A", "B"})
    void plaintextBufferedAfterThe220AbortsBeforeAnythingElseIsWritten(String variant) throws Exception {
        String injected = variant.equals("A")
                ? "220 2.0.0 Ready to start TLS\r\n250-AUTH PLAIN LOGIN XOAUTH2\r\n250 SMTPUTF8\r\n"
                : "220 2.0.0 Ready to start TLS\r\n250-X";
        server.enqueue(s -> {
            s.reply("220 mail.example.com ESMTP test");
            assertThat(s.readLine()).startsWith("EHLO ");
            s.reply("250-mail.example.com", "250-PIPELINING", "250-STARTTLS", "250 AUTH PLAIN");
            assertThat(s.readLine()).isEqualTo("STARTTLS");
            s.write(injected.getBytes(StandardCharsets.US_ASCII)); // one segment
            // a man in the middle would now handshake; record whatever the client still writes
            // (a line, or a ClientHello as a partial line event) until it closes
            while (s.readLine() != null) {
                // recorded
            }
        });

        assertThatThrownBy(() -> SmtpConnection.open(settings()))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining("unexpected data after the STARTTLS reply");

        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.commands()).extracting(RecordedCommand::verb).containsExactly("EHLO", "STARTTLS");
        assertThat(server.events()).as("no byte (not even a ClientHello) after STARTTLS").isEmpty();
    }

    @Test
    void afterTheHandshakeOnlyThePostTlsEhloCounts() throws Exception {
        server.enqueue(StandardSession.builder()
                .startTls(CERTS.serverContext("mail.example.com"))
                .ehloReply("250-mail.example.com", "250-STARTTLS", "250-SMTPUTF8", "250-8BITMIME",
                        "250 AUTH LOGIN XOAUTH2")
                .postTlsEhloReply("250-mail.example.com", "250-PIPELINING", "250 AUTH PLAIN")
                .credentials(USER, PASSWORD)
                .requireAuth(true)
                .build());
        ConnectionSettings settings = ClientFixtures.settings(server)
                .tlsMode(TlsMode.STARTTLS_REQUIRED)
                .sslContext(CERTS.clientContextTrustingCa())
                .credentials(Credentials.password(USER, PASSWORD))
                .build(); // mechanism chosen from what the server offers

        try (SmtpConnection c = SmtpConnection.open(settings)) {
            assertThat(c.isTls()).isTrue();
            assertThat(c.capabilities().keywords()).containsExactlyInAnyOrder("PIPELINING", "AUTH");
            assertThat(c.capabilities().smtpUtf8()).isFalse();
            assertThat(c.capabilities().eightBitMime()).isFalse();
            assertThat(c.capabilities().startTls()).isFalse();
            assertThat(c.capabilities().authMechanisms()).containsExactly("PLAIN");
            assertThat(c.isPipelining()).isTrue();
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(1024, rcpt(1)))).get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        }

        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.events()).isEmpty();
        List<RecordedCommand> commands = server.commands(0);
        assertThat(commands).extracting(RecordedCommand::verb)
                .containsExactly("EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT");
        assertThat(commands.get(3).line()).startsWith("AUTH PLAIN ");
        assertThat(server.messages()).hasSize(1);
    }
}
