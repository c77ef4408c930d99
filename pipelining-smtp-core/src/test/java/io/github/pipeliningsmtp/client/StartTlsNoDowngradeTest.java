package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testing.TestCertificates;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * STARTTLS downgrade (docs/fault-kinds.md#starttls-downgrade): a server that strips STARTTLS (A), refuses it with 454 (B) or
 * answers 220 and then sends garbage instead of a ServerHello (C). With STARTTLS_REQUIRED every
 * variant fails before AUTH or MAIL is written; with STARTTLS_OPPORTUNISTIC and credentials, AUTH is
 * still refused over plaintext unless plaintext AUTH is explicitly allowed. The server script
 * answers everything a careless client might send (AUTH gets 235), so a leak would be recorded.
 */
class StartTlsNoDowngradeTest {

    private static final TestCertificates CERTS = TestCertificates.create();
    private static final String USER = "user@example.com";
    private static final String PASSWORD = "S3cret-Pa55";
    private static final List<String> SECRETS = List.of("dXNlckBleGFtcGxlLmNvbQ==", "UzNjcmV0LVBhNTU=",
            "AHVzZXJAZXhhbXBsZS5jb20AUzNjcmV0LVBhNTU=", PASSWORD);

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    /** A downgrading server; it answers every later command positively and records it. */
    private static void downgradingServer(ServerSession s, char variant) throws IOException {
        s.reply("220 mail.example.com ESMTP test");
        for (String line = s.readLine(); line != null; line = s.readLine()) {
            String verb = new RecordedCommand(0, 0, line).verb();
            switch (verb) {
                case "EHLO" -> {
                    if (variant == 'A') {
                        s.reply("250-mail.example.com", "250-AUTH PLAIN LOGIN", "250 PIPELINING");
                    } else {
                        s.reply("250-mail.example.com", "250-PIPELINING", "250-STARTTLS", "250 AUTH PLAIN LOGIN");
                    }
                }
                case "STARTTLS" -> {
                    if (variant == 'A') {
                        s.reply("502 5.5.1 Unrecognized command");
                    } else if (variant == 'B') {
                        s.reply("454 4.7.0 TLS not available due to temporary reason");
                    } else {
                        s.reply("220 2.0.0 Ready to start TLS");
                        s.readExactly(1); // the ClientHello has started to arrive
                        s.write("GARBAGE INSTEAD OF A SERVER HELLO\r\n".getBytes(StandardCharsets.US_ASCII));
                        // keep reading (and recording) whatever comes until the client closes
                    }
                }
                case "AUTH" -> s.reply(line.trim().equals("AUTH LOGIN") ? "334 VXNlcm5hbWU6" : "235 2.7.0 Ok");
                case "DATA" -> {
                    s.reply("354 go");
                    s.readData();
                    s.reply("250 2.0.0 Ok: queued as X1");
                }
                case "QUIT" -> {
                    s.reply("221 2.0.0 Bye");
                    s.closeFin();
                    return;
                }
                default -> s.reply("250 2.0.0 Ok");
            }
        }
    }

    private ConnectionSettings.Builder settings(TlsMode mode) {
        return ClientFixtures.settings(server)
                .tlsMode(mode)
                .sslContext(CERTS.clientContextTrustingCa())
                .credentials(Credentials.password(USER, PASSWORD));
    }

    private void assertNothingLeaked(List<String> clientLog) throws InterruptedException {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).isEmpty();
        List<String> lines = server.commands().stream().map(RecordedCommand::line).toList();
        assertThat(lines).noneMatch(l -> l.toUpperCase().startsWith("AUTH"))
                .noneMatch(l -> l.toUpperCase().startsWith("MAIL"));
        List<String> serverLog = new ArrayList<>(lines);
        serverLog.addAll(server.events());
        serverLog.addAll(clientLog);
        String all = String.join("\n", serverLog);
        for (String secret : SECRETS) {
            assertThat(all).doesNotContain(secret);
        }
    }

    private void run(char variant, ConnectionSettings settings, ThrowableCheck check) throws Exception {
        server.enqueue(s -> downgradingServer(s, variant));
        List<String> clientLog;
        try (LogCapture logs = new LogCapture()) {
            check.verify(() -> SmtpConnection.open(settings).close());
            clientLog = List.copyOf(logs.lines());
        }
        assertNothingLeaked(clientLog);
    }

    @FunctionalInterface
    private interface ThrowableCheck {
        void verify(ThrowingCallable open);
    }

    // --- STARTTLS_REQUIRED ---

    @Test
    void required_variantA_stripped_failsNamingTheMissingKeyword() throws Exception {
        run('A', settings(TlsMode.STARTTLS_REQUIRED).build(), open -> assertThatThrownBy(open)
                .isInstanceOf(SmtpSecurityException.class)
                .hasMessageContaining("STARTTLS")
                .hasMessageContaining("did not advertise"));
        assertThat(server.commands()).extracting(RecordedCommand::verb).containsExactly("EHLO");
    }

    @Test
    void required_variantB_454_failsNamingTheReply() throws Exception {
        run('B', settings(TlsMode.STARTTLS_REQUIRED).build(), open -> assertThatThrownBy(open)
                .isInstanceOfSatisfying(SmtpSecurityException.class, e -> {
                    assertThat(e).hasMessageContaining("454").hasMessageContaining("4.7.0");
                    SmtpError error = e.error().orElseThrow();
                    assertThat(error.command()).isEqualTo("STARTTLS");
                    assertThat(error.code()).isEqualTo(454);
                    assertThat(error.enhancedStatusCode()).contains("4.7.0");
                }));
        assertThat(server.commands()).extracting(RecordedCommand::verb).containsExactly("EHLO", "STARTTLS");
    }

    @Test
    void required_variantC_garbageInsteadOfServerHello_failsTheHandshake() throws Exception {
        run('C', settings(TlsMode.STARTTLS_REQUIRED).build(), open -> assertThatThrownBy(open)
                .isInstanceOf(SSLException.class));
        assertThat(server.commands()).extracting(RecordedCommand::line).startsWith("EHLO client.example.org", "STARTTLS");
    }

    // --- STARTTLS_OPPORTUNISTIC with credentials, plaintext AUTH not allowed (the default) ---

    @Test
    void opportunistic_variantA_stripped_plaintextAuthIsRefused() throws Exception {
        run('A', settings(TlsMode.STARTTLS_OPPORTUNISTIC).build(), open -> assertThatThrownBy(open)
                .isInstanceOf(SmtpSecurityException.class)
                .hasMessageContaining("AUTH refused over an unencrypted connection"));
        assertThat(server.commands()).extracting(RecordedCommand::verb).containsExactly("EHLO");
    }

    @Test
    void opportunistic_variantB_454_plaintextAuthIsRefused() throws Exception {
        run('B', settings(TlsMode.STARTTLS_OPPORTUNISTIC).allowPlaintextAuth(false).build(),
                open -> assertThatThrownBy(open)
                        .isInstanceOf(SmtpSecurityException.class)
                        .hasMessageContaining("AUTH refused over an unencrypted connection"));
        assertThat(server.commands()).extracting(RecordedCommand::verb).containsExactly("EHLO", "STARTTLS");
    }

    @Test
    void opportunistic_variantC_brokenHandshake_failsWithoutFallingBackToPlaintext() throws Exception {
        run('C', settings(TlsMode.STARTTLS_OPPORTUNISTIC).build(), open -> assertThatThrownBy(open)
                .isInstanceOf(SSLException.class));
    }

    /** Control: the script does record plaintext AUTH when a client sends it (here explicitly allowed). */
    @Test
    void control_plaintextAuthExplicitlyAllowed_isWrittenAndRecorded() throws Exception {
        server.enqueue(s -> downgradingServer(s, 'A'));
        try (SmtpConnection c = SmtpConnection.open(settings(TlsMode.STARTTLS_OPPORTUNISTIC)
                .allowPlaintextAuth(true).authMechanism("PLAIN").build())) {
            assertThat(c.isTls()).isFalse();
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        assertThat(server.commands()).extracting(RecordedCommand::line)
                .contains("AUTH PLAIN AHVzZXJAZXhhbXBsZS5jb20AUzNjcmV0LVBhNTU=");
    }
}
