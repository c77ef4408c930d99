package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link SmtpScript}: steps, envelope and stored messages, mismatches, the standard fallback. */
class SmtpScriptTest {

    private ScriptedSmtpServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedSmtpServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void aPipelinedTransactionIsAnsweredAndStoredWithTheAcceptedEnvelope() throws Exception {
        server.enqueue(SmtpScript.create()
                .greeting()
                .ehlo("250-mail.example.com", "250 PIPELINING")
                .expectPrefix("MAIL FROM:<").reply("250 2.1.0 Ok")
                .expect("RCPT TO:<a@example.net>").reply("250 2.1.5 Ok")
                .expect("RCPT TO:<b@example.net>").reply("550 5.1.1 User unknown")
                .expect("DATA").reply("354 go")
                .readData().reply("250 2.0.0 Ok: queued as A1")
                .expect("QUIT").reply("221 2.0.0 Bye").closeFin());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.reply()).isEqualTo("220 mail.example.com ESMTP test");
            client.send("EHLO client.example");
            assertThat(client.readReply()).containsExactly("250-mail.example.com", "250 PIPELINING");
            client.send("MAIL FROM:<s@example.com> SIZE=20", "RCPT TO:<a@example.net>", "RCPT TO:<b@example.net>", "DATA");
            assertThat(List.of(client.reply(), client.reply(), client.reply(), client.reply()))
                    .containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "550 5.1.1 User unknown", "354 go");
            client.send("Subject: x", "", "..dot", ".", "QUIT");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok: queued as A1");
            assertThat(client.reply()).isEqualTo("221 2.0.0 Bye");
        }
        ServerCheck.defaults().verify(server);
        StoredMessage message = server.messages().get(0);
        assertThat(message.mailFrom()).isEqualTo("s@example.com");
        assertThat(message.recipients()).containsExactly("a@example.net");
        assertThat(message.contentAsString()).isEqualTo("Subject: x\r\n\r\n.dot\r\n");
        List<RecordedCommand> commands = server.commands(0);
        assertThat(commands.get(1).readIndex()).as("MAIL..DATA in one read").isEqualTo(commands.get(4).readIndex());
        assertThat(server.takeCommand().line()).isEqualTo("EHLO client.example");
        assertThat(server.takeCommand().line()).startsWith("MAIL FROM:");
        assertThat(server.takeCommand().connectionIndex()).isZero();
    }

    @Test
    void bdatChunksAreReadByTheirOctetCountAndStoredAtLast() throws Exception {
        server.enqueue(SmtpScript.create()
                .greeting()
                .expectPrefix("MAIL FROM:<").reply("250 Ok")
                .expectPrefix("RCPT TO:<").reply("250 Ok")
                .expect("BDAT 5").readChunk().reply("250 5 octets")
                .expect("BDAT 3 LAST").readChunk().reply("250 queued")
                .expect("QUIT").reply("221 Bye").closeFin());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("MAIL FROM:<>", "RCPT TO:<a@example.net>");
            client.sendRaw("BDAT 5\r\nab\r\ncBDAT 3 LAST\r\n.\r\n");
            client.send("QUIT");
            assertThat(List.of(client.reply(), client.reply(), client.reply(), client.reply(), client.reply()))
                    .containsExactly("250 Ok", "250 Ok", "250 5 octets", "250 queued", "221 Bye");
        }
        ServerCheck.defaults().verify(server);
        assertThat(server.messages()).singleElement().satisfies(m -> {
            assertThat(m.mailFrom()).isEmpty();
            assertThat(m.recipients()).containsExactly("a@example.net");
            assertThat(m.contentAsString()).isEqualTo("ab\r\nc.\r\n");
        });
    }

    @Test
    void anUnexpectedCommandIsAScriptErrorNamingTheStepExpectedAndActualLine() throws Exception {
        server.enqueue(SmtpScript.create().greeting()
                .expectPrefix("MAIL FROM:<").reply("250 Ok")
                .expect("DATA").reply("354 go"));
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("MAIL FROM:<a@example.com>");
            client.reply();
            client.send("RSET");
            assertThat(client.readsEof()).as("the server closes after a mismatch").isTrue();
        }
        List<String> problems = ServerCheck.defaults().problems(server);
        assertThat(problems).singleElement().asString().contains(
                "connection 0, step 3 of 5: expected \"DATA\", got \"RSET\"");
        ScriptMismatchError error = (ScriptMismatchError) server.scriptErrors().get(0);
        assertThat(error.step()).isEqualTo(3);
        assertThat(error.expected()).isEqualTo("\"DATA\"");
        assertThat(error.actual()).isEqualTo("RSET");
    }

    @Test
    void theClientClosingBeforeTheLastStepIsAScriptError() throws Exception {
        server.enqueue(SmtpScript.create().greeting().expect("QUIT").reply("221 Bye"));
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
        }
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).singleElement().asString()
                .contains("step 1 of 3: expected \"QUIT\", got end of stream");
    }

    @Test
    void aCommandAfterTheLastStepIsAScriptError() throws Exception {
        server.enqueue(SmtpScript.create().greeting());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("NOOP");
            assertThat(client.readsEof()).isTrue();
        }
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).singleElement().asString()
                .contains("step 1 of 1: expected the client to close (no step left), got \"NOOP\"");
    }

    @Test
    void readChunkAfterANonBdatCommandIsAScriptError() throws Exception {
        server.enqueue(SmtpScript.create().expectPrefix("DATA").readChunk());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.send("DATA");
            assertThat(client.readsEof()).isTrue();
        }
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).singleElement().asString()
                .contains("step 1 of 2: expected a matched \"BDAT <n> [LAST]\" before reading a chunk, got \"DATA\"");
    }

    @Test
    void theStandardFallbackAnswersWhatNoStepExpects() throws Exception {
        server.enqueue(SmtpScript.standard()
                .expect("RCPT TO:<b@example.net>").reply("450 4.2.0 Greylisted"));
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.reply()).isEqualTo("220 mail.example.com ESMTP test");
            client.send("EHLO client.example");
            assertThat(client.reply()).isEqualTo("250 AUTH PLAIN LOGIN");
            client.send("MAIL FROM:<s@example.com>", "RCPT TO:<a@example.net>", "RCPT TO:<b@example.net>", "DATA");
            assertThat(List.of(client.reply(), client.reply(), client.reply(), client.reply())).containsExactly(
                    "250 2.1.0 Ok", "250 2.1.5 Ok", "450 4.2.0 Greylisted", "354 End data with <CR><LF>.<CR><LF>");
            client.send("hello", ".", "QUIT");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok: queued as Q1");
            assertThat(client.reply()).isEqualTo("221 2.0.0 Bye");
            assertThat(client.readsEof()).isTrue();
        }
        ServerCheck.defaults().verify(server);
        assertThat(server.messages()).singleElement()
                .satisfies(m -> assertThat(m.recipients()).containsExactly("a@example.net"));
    }

    @Test
    void anExpectedStepThatNeverComesIsAScriptErrorEvenWithTheFallback() throws Exception {
        server.enqueue(SmtpScript.standard().expect("RSET").reply("250 reset"));
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("QUIT");
            assertThat(client.reply()).isEqualTo("221 2.0.0 Bye");
        }
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).singleElement().asString()
                .contains("expected \"RSET\", got the end of the standard session after \"QUIT\"");
    }

    @Test
    void performRunsCodeOnTheSession() throws Exception {
        AtomicBoolean buffered = new AtomicBoolean();
        server.enqueue(SmtpScript.create().expect("NOOP")
                .pause(Duration.ofMillis(200))
                .perform(s -> buffered.set(s.inputBuffered()))
                .reply("250 Ok").expect("QUIT").reply("221 Bye").closeFin());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.send("NOOP", "QUIT");
            assertThat(client.reply()).isEqualTo("250 Ok");
            assertThat(client.reply()).isEqualTo("221 Bye");
        }
        ServerCheck.defaults().verify(server);
        assertThat(buffered).isTrue();
    }

    @Test
    void scriptsAreImmutableAndValidated() {
        SmtpScript base = SmtpScript.create().greeting();
        SmtpScript longer = base.expect("QUIT");
        assertThat(base.stepCount()).isEqualTo(1);
        assertThat(longer.steps()).containsExactly("reply \"220 mail.example.com ESMTP test\\r\\n\"", "expect \"QUIT\"");
        assertThat(base.then(SmtpScript.create().expectPrefix("NOOP")).steps())
                .endsWith("expect a line starting with \"NOOP\"");
        assertThatThrownBy(() -> base.closeFin().reply("250 Ok"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no step may follow close (FIN)");
        assertThatThrownBy(() -> ScriptedReply.of("250 Ok").splitAt(3, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScriptedReply.of("250 Ok").splitAt(8)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ScriptedReply.of("250 Ok").splitAt(3).delay(Duration.ofMillis(5)))
                .hasToString("reply \"250 Ok\\r\\n\" split at [3] after PT0.005S");
    }

    @Test
    void takeCommandWaitsBoundedly() throws Exception {
        assertThatThrownBy(() -> server.takeCommand(Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no command within PT0.05S after the 0 taken");
    }
}
