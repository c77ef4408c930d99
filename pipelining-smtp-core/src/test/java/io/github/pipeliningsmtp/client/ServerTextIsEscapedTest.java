package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.SessionScript;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile server puts terminal escapes, NUL, BEL, NEL and U+2028/U+2029 into its replies: none of
 * them reaches an exception message, an error's or a reply's {@code toString()} or a log line (wire
 * TRACE included) unescaped, while the reply itself keeps them raw.
 */
class ServerTextIsEscapedTest {

    static final String HOSTILE = "\u001b[31mred\u001b[0m nul\u0000 bel\u0007 nel\u0085 ls\u2028 ps\u2029"
            + " 2024-01-01 INFO forged log line";
    static final List<String> RAW = List.of("\u001b", "\u0000", "\u0007", "\u0085", "\u2028", "\u2029");

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final List<String> seen = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    static void assertEscaped(String text) {
        assertThat(text).doesNotContain(RAW).contains("\\x1b[", "\\x00", "\\x07", "\\x85", "\\u2028",
                "\\u2029");
    }

    @Test
    void refusedRecipientIsEscapedEverywhereButInTheReply() throws Exception {
        server.enqueue(StandardSession.builder().rcptReply((session, address) -> address.startsWith("bad")
                ? List.of("550 5.1.1 " + HOSTILE) : null).build());
        try (LogCapture log = new LogCapture();
             SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(512, "bad@example.net",
                    ClientFixtures.rcpt(1)))).get(0);
            RecipientResult bad = ledger.recipients().get(0);
            assertThat(bad.status()).isEqualTo(RecipientStatus.FAILED);
            assertThat(ledger.recipients().get(1).status()).isEqualTo(RecipientStatus.SUCCEEDED);
            // raw through the API
            SmtpReply reply = bad.rcptReply().orElseThrow();
            assertThat(reply.text()).isEqualTo(HOSTILE);
            assertThat(reply.lines()).containsExactly("5.1.1 " + HOSTILE);
            assertThat(bad.error().orElseThrow().reply().orElseThrow().text()).isEqualTo(HOSTILE);
            // escaped wherever it is shown
            SmtpError error = bad.error().orElseThrow();
            for (String shown : List.of(reply.toString(), error.toString(), error.description(), bad.toString(),
                    ledger.toString())) {
                assertEscaped(shown);
            }
            assertThat(error.toString()).isEqualTo("{RCPT TO:<bad@example.net>, 550 5.1.1 \\x1b[31mred\\x1b[0m"
                    + " nul\\x00 bel\\x07 nel\\x85 ls\\u2028 ps\\u2029 2024-01-01 INFO forged log line}");
            assertThat(log.all()).contains("S: 550 5.1.1 \\x1b[31mred");
            assertEscaped(log.all().replace("\n", ""));
        }
    }

    @Test
    void refusedGreetingEhloAndAuthAreEscapedInTheirExceptions() throws Exception {
        expectFailure(s -> {
            s.reply("554 5.7.1 " + HOSTILE);
            ClientFixtures.quit(s);
        }, ClientFixtures.settings(server).build(), SmtpReplyException.class);
        expectFailure(s -> {
            s.reply("220 mail.example.com ESMTP");
            s.readLine();
            s.reply("550 " + HOSTILE);
            s.readLine();
            s.reply("550 " + HOSTILE);
            ClientFixtures.quit(s);
        }, ClientFixtures.settings(server).build(), SmtpReplyException.class);
        expectFailure(s -> {
            greet(s, "250-mail.example.com " + HOSTILE, "250-AUTH PLAIN", "250 PIPELINING");
            s.readLine();
            s.reply("535 5.7.8 " + HOSTILE);
            ClientFixtures.quit(s);
        }, ClientFixtures.settings(server).credentials(Credentials.password("u", "p")).allowPlaintextAuth(true)
                .build(), SmtpAuthenticationException.class);
        expectFailure(s -> {
            greet(s, "250-mail.example.com", "250-AUTH CRAM-MD5 " + HOSTILE, "250 PIPELINING");
            ClientFixtures.quit(s);
        }, ClientFixtures.settings(server).credentials(Credentials.password("u", "p")).allowPlaintextAuth(true)
                .authMechanism("PLAIN").build(), SmtpAuthenticationException.class);
        expectFailure(s -> {
            greet(s, "250-mail.example.com", "250 STARTTLS");
            s.readLine();
            s.reply("454 4.7.0 " + HOSTILE);
            ClientFixtures.quit(s);
        }, ClientFixtures.settings(server).tlsMode(TlsMode.STARTTLS_REQUIRED).build(), SmtpSecurityException.class);
    }

    @Test
    void malformedReplyIsEscapedInTheProtocolError() throws Exception {
        expectFailure(s -> {
            s.reply("220" + HOSTILE);
            s.closeFin();
        }, ClientFixtures.settings(server).build(), SmtpProtocolException.class);
    }

    @Test
    void capabilitiesAreEscapedInTheirToStringAndTheDebugLog() throws Exception {
        server.enqueue(StandardSession.builder().ehloReply("250-mail.example.com", "250-X-HOSTILE " + HOSTILE,
                "250 PIPELINING").build());
        try (LogCapture log = new LogCapture();
             SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            assertEscaped(c.capabilities().toString());
            assertEscaped(log.all().replace("\n", ""));
            assertThat(log.all()).contains("connected to");
        }
    }

    private <T extends Throwable> void expectFailure(SessionScript script,
            ConnectionSettings settings, Class<T> type) throws Exception {
        server.enqueue(script);
        try (LogCapture log = new LogCapture()) {
            T e = catchThrowableOfType(type, () -> SmtpConnection.open(settings).close());
            assertThat(e).as("a %s", type.getSimpleName()).isNotNull();
            assertEscaped(e.getMessage());
            assertEscaped(e.toString());
            if (e instanceof SmtpException se && se.error().isPresent()) {
                assertThat(se.error().get().toString()).doesNotContain(RAW);
            }
            assertThat(log.all()).doesNotContain(RAW);
        }
        server.awaitNoOpenConnections(java.time.Duration.ofSeconds(2));
    }
}
