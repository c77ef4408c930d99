package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The socket effects of {@link SmtpScript}: split, pause, close (FIN), reset (RST), stall. */
class SocketEffectsTest {

    private ScriptedSmtpServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedSmtpServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        ServerCheck.defaults().verify(server);
        server.close();
    }

    @Test
    void aSplitReplyArrivesInSeparateReadsCutAtTheOffsets() throws Exception {
        server.enqueue(SmtpScript.create()
                .reply(ScriptedReply.of("220-mail.example.com", "220 ready").splitAt(3, 10).gap(Duration.ofMillis(200)))
                .expect("QUIT").reply("221 Bye").closeFin());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            InputStream in = client.socket().getInputStream();
            byte[] buffer = new byte[100];
            assertThat(read(in, buffer)).isEqualTo("220");
            assertThat(read(in, buffer)).isEqualTo("-mail.e");
            assertThat(read(in, buffer)).isEqualTo("xample.com\r\n220 ready\r\n");
            client.send("QUIT");
            assertThat(client.reply()).isEqualTo("221 Bye");
            assertThat(client.readsEof()).isTrue();
        }
    }

    @Test
    void aDelayedReplyAndAPauseWaitBeforeWriting() throws Exception {
        server.enqueue(SmtpScript.create()
                .greeting()
                .expect("NOOP").reply(ScriptedReply.of("250 late").delay(Duration.ofMillis(300)))
                .expect("NOOP").pause(Duration.ofMillis(300)).reply("250 later")
                .expect("QUIT").reply("221 Bye").closeFin());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.reply()).startsWith("220 ");
            for (String expected : new String[] {"250 late", "250 later"}) {
                long start = System.nanoTime();
                client.send("NOOP");
                assertThat(client.reply()).isEqualTo(expected);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
            }
            client.send("QUIT");
            assertThat(client.reply()).isEqualTo("221 Bye");
        }
    }

    @Test
    void closeFinEndsTheStreamAfterTheReply() throws Exception {
        server.enqueue(SmtpScript.create().reply("421 4.3.2 Service not available").closeFin());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.reply()).isEqualTo("421 4.3.2 Service not available");
            assertThat(client.readsEof()).isTrue();
        }
    }

    @Test
    void resetMakesTheClientsReadFail() throws Exception {
        server.enqueue(SmtpScript.create().greeting().expect("NOOP").reset());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("NOOP");
            assertThatThrownBy(client::readLine).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        }
        assertThat(server.commands()).extracting(RecordedCommand::line).containsExactly("NOOP");
    }

    @Test
    void stallAnswersNothingAndRecordsNothingUntilTheClientCloses() throws Exception {
        server.enqueue(SmtpScript.create().greeting().expectPrefix("EHLO ").stall());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("EHLO client.example", "MAIL FROM:<a@example.com>");
            client.socket().setSoTimeout(300);
            assertThatThrownBy(client::readLine).isInstanceOf(SocketTimeoutException.class);
            assertThat(server.openConnections()).isEqualTo(1);
        }
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.commands()).extracting(RecordedCommand::line).containsExactly("EHLO client.example");
    }

    @Test
    void readUntilCloseRecordsWhatTheClientStillSends() throws Exception {
        server.enqueue(SmtpScript.create().greeting().expect("NOOP").reply("503 out of step").readUntilClose());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("NOOP");
            assertThat(client.reply()).isEqualTo("503 out of step");
            client.send("RSET", "QUIT");
        }
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.commands()).extracting(RecordedCommand::line).containsExactly("NOOP", "RSET", "QUIT");
    }

    private static String read(InputStream in, byte[] buffer) throws Exception {
        int n = in.read(buffer);
        return new String(Arrays.copyOf(buffer, n), StandardCharsets.US_ASCII);
    }
}
