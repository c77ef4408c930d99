package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StandardSessionTest {

    private ScriptedSmtpServer server;

    @BeforeEach
    void start() throws IOException {
        server = ScriptedSmtpServer.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private TestClient connect(StandardSession session) throws IOException {
        server.enqueue(session);
        TestClient client = TestClient.connect(server.host(), server.port());
        assertThat(client.reply()).startsWith("220 ");
        return client;
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void enforcesSequence() throws Exception {
        try (TestClient client = connect(new StandardSession())) {
            client.send("HELO me");
            assertThat(client.reply()).isEqualTo("250 mail.example.com");
            client.send("RCPT TO:<b@example.com>");
            assertThat(client.reply()).isEqualTo("503 5.5.1 Error: need MAIL command");
            client.send("DATA");
            assertThat(client.reply()).isEqualTo("554 5.5.1 Error: no valid recipients");
            client.send("NOOP");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok");
            client.send("MAIL FROM:<>", "MAIL FROM:<a@example.com>", "RSET", "BOGUS");
            assertThat(client.reply()).isEqualTo("250 2.1.0 Ok");
            assertThat(client.reply()).isEqualTo("503 5.5.1 Error: nested MAIL command");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok");
            assertThat(client.reply()).isEqualTo("500 5.5.2 Syntax error");
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.messages()).isEmpty();
        assertThat(server.scriptErrors()).isEmpty();
    }

    @Test
    void replyFunctionsDecideAndOnlyAcceptedRecipientsAreStored() throws Exception {
        StandardSession session = StandardSession.builder()
                .rcptReply((s, address) -> address.startsWith("bad") ? List.of("550 5.1.1 No such user") : null)
                .endOfDataReply((s, content) -> content.contains("reject") ? List.of("554 5.7.1 Rejected") : null)
                .commandHook((s, line) -> line.equals("XFOO") ? List.of("250 foo") : null)
                .build();
        try (TestClient client = connect(session)) {
            client.send("XFOO");
            assertThat(client.reply()).isEqualTo("250 foo");
            client.send("MAIL FROM:<a@example.com> SIZE=10", "RCPT TO:<bad@example.com>", "RCPT TO:<ok@example.com>", "DATA");
            assertThat(client.reply()).isEqualTo("250 2.1.0 Ok");
            assertThat(client.reply()).isEqualTo("550 5.1.1 No such user");
            assertThat(client.reply()).isEqualTo("250 2.1.5 Ok");
            assertThat(client.reply()).startsWith("354 ");
            client.send("please reject", ".");
            assertThat(client.reply()).isEqualTo("554 5.7.1 Rejected");
            client.send("MAIL FROM:<a@example.com>", "RCPT TO:<ok@example.com>", "DATA");
            client.reply();
            client.reply();
            assertThat(client.reply()).startsWith("354 ");
            client.send("fine", ".");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok: queued as Q1");
            client.send("QUIT");
            assertThat(client.reply()).isEqualTo("221 2.0.0 Bye");
        }
        assertThat(server.messages()).singleElement().satisfies(m -> {
            assertThat(m.recipients()).containsExactly("ok@example.com");
            assertThat(m.contentAsString()).isEqualTo("fine\r\n");
        });
    }

    @Test
    void authPlainLoginAndXoauth2() throws Exception {
        StandardSession session = StandardSession.builder()
                .credentials("user", "secret").xoauth2Token("tok").requireAuth(true).build();
        assertThat(session.ehloReply()).last().isEqualTo("250 AUTH PLAIN LOGIN XOAUTH2");
        try (TestClient client = connect(session)) {
            client.send("MAIL FROM:<a@example.com>");
            assertThat(client.reply()).isEqualTo("530 5.7.0 Authentication required");
            client.send("AUTH PLAIN " + b64("\0user\0wrong"));
            assertThat(client.reply()).isEqualTo("535 5.7.8 Authentication credentials invalid");
            client.send("AUTH PLAIN");
            assertThat(client.reply()).isEqualTo("334 ");
            client.send(b64("\0user\0secret"));
            assertThat(client.reply()).isEqualTo("235 2.7.0 Authentication successful");
            client.send("AUTH PLAIN " + b64("\0user\0secret"));
            assertThat(client.reply()).startsWith("503 ");
            client.send("MAIL FROM:<a@example.com>");
            assertThat(client.reply()).isEqualTo("250 2.1.0 Ok");
        }
        try (TestClient client = connect(session)) {
            client.send("AUTH LOGIN");
            assertThat(client.reply()).isEqualTo("334 VXNlcm5hbWU6");
            client.send(b64("user"));
            assertThat(client.reply()).isEqualTo("334 UGFzc3dvcmQ6");
            client.send(b64("secret"));
            assertThat(client.reply()).isEqualTo("235 2.7.0 Authentication successful");
        }
        try (TestClient client = connect(session)) {
            client.send("AUTH XOAUTH2 " + b64("user=u@example.com\u0001auth=Bearer nope\u0001\u0001"));
            assertThat(client.reply()).isEqualTo("334 "
                    + b64("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}"));
            client.send("");
            assertThat(client.reply()).isEqualTo("535 5.7.8 Authentication credentials invalid");
            client.send("AUTH XOAUTH2 " + b64("user=u@example.com\u0001auth=Bearer tok\u0001\u0001"));
            assertThat(client.reply()).isEqualTo("235 2.7.0 Authentication successful");
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.scriptErrors()).isEmpty();
    }

    @Test
    void strictPipeliningFlagsEarlyCommandsAndRejectsData() throws Exception {
        StandardSession session = StandardSession.builder().strictPipelining(true).build();
        try (TestClient client = connect(session)) {
            client.send("EHLO me", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA");
            assertThat(client.reply()).isEqualTo("250 AUTH PLAIN LOGIN");
            assertThat(client.reply()).isEqualTo("250 2.1.0 Ok");
            assertThat(client.reply()).isEqualTo("250 2.1.5 Ok");
            assertThat(client.reply()).isEqualTo(
                    "503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining");
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.events()).containsExactly("improper pipelining after EHLO");
    }

    @Test
    void strictPipeliningAcceptsProperGroups() throws Exception {
        StandardSession session = StandardSession.builder().strictPipelining(true).build();
        try (TestClient client = connect(session)) {
            client.send("EHLO me");
            client.readReply();
            client.send("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA");
            client.reply();
            client.reply();
            assertThat(client.reply()).startsWith("354 ");
            client.send("hello", ".");
            assertThat(client.reply()).startsWith("250 2.0.0 Ok: queued as");
            client.send("QUIT");
            assertThat(client.reply()).startsWith("221 ");
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.events()).isEmpty();
        assertThat(server.messages()).hasSize(1);
    }

    @Test
    void noPipeliningServerDropsPipeliningClients() throws Exception {
        StandardSession session = StandardSession.builder().noPipelining(true).build();
        assertThat(session.ehloReply()).doesNotContain("250-PIPELINING");
        try (TestClient client = connect(session)) {
            client.send("EHLO me");
            client.readReply();
            client.send("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>");
            assertThat(client.reply()).isEqualTo("500 5.5.1 Invalid command: Pipelining not supported");
            assertThat(client.readsEof()).isTrue();
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.events()).containsExactly("pipelining not supported: input buffered after MAIL");
    }

    @Test
    void holdsRepliesUntilData() throws Exception {
        StandardSession session = StandardSession.builder().holdRepliesUntilData(true).build();
        try (TestClient client = connect(session)) {
            client.send("MAIL FROM:<a@example.com>");
            client.socket().setSoTimeout(200);
            assertThatThrownBy(client::readLine).isInstanceOf(SocketTimeoutException.class);
            client.socket().setSoTimeout(10_000);
            client.send("RCPT TO:<b@example.com>", "DATA");
            assertThat(client.reply()).isEqualTo("250 2.1.0 Ok");
            assertThat(client.reply()).isEqualTo("250 2.1.5 Ok");
            assertThat(client.reply()).startsWith("354 ");
        }
    }

    @Test
    void startTlsSwitchesToTlsAndUsesPostTlsEhlo() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        StandardSession session = StandardSession.builder()
                .startTls(certificates.serverContext("mail.example.com"))
                .postTlsEhloReply("250-mail.example.com", "250 PIPELINING").build();
        try (TestClient plain = connect(session)) {
            plain.send("EHLO me");
            assertThat(plain.readReply()).contains("250-STARTTLS");
            plain.send("STARTTLS");
            assertThat(plain.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
            try (TestClient tls = plain.startTls(certificates.clientContextTrustingCa(), "mail.example.com")) {
                tls.send("EHLO me");
                assertThat(tls.readReply()).containsExactly("250-mail.example.com", "250 PIPELINING");
                tls.send("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA");
                tls.reply();
                tls.reply();
                assertThat(tls.reply()).startsWith("354 ");
                tls.send("secret", ".");
                assertThat(tls.reply()).startsWith("250 ");
                tls.send("QUIT");
                assertThat(tls.reply()).startsWith("221 ");
            }
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.messages()).singleElement().extracting(StoredMessage::contentAsString).isEqualTo("secret\r\n");
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.events()).isEmpty();
    }

    @Test
    void plaintextPipelinedAfterStartTlsIsDiscarded() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        server.enqueue(s -> {
            s.readLine();
            s.readLine();
            s.reply("220 go ahead");
            s.startTls(certificates.serverContext("mail.example.com"));
            s.reply("250 secure");
            s.closeFin();
        });
        try (TestClient plain = TestClient.connect(server.host(), server.port())) {
            plain.send("STARTTLS", "INJECTED", "MORE");
            assertThat(plain.reply()).isEqualTo("220 go ahead");
            try (TestClient tls = plain.startTls(certificates.clientContextTrustingCa(), "mail.example.com")) {
                assertThat(tls.reply()).isEqualTo("250 secure");
            }
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.events()).containsExactly("plaintext buffered before TLS");
    }
}
