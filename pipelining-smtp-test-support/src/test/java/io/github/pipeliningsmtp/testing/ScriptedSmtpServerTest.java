package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScriptedSmtpServerTest {

    private ScriptedSmtpServer server;

    @BeforeEach
    void start() throws IOException {
        server = ScriptedSmtpServer.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void defaultSessionReceivesPipelinedMessage() throws Exception {
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.reply()).isEqualTo("220 mail.example.com ESMTP test");
            client.send("EHLO client.example");
            assertThat(client.readReply()).containsExactly("250-mail.example.com", "250-PIPELINING",
                    "250-SIZE 10485760", "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250 AUTH PLAIN LOGIN");
            client.send("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "RCPT TO:<c@example.com>", "DATA");
            assertThat(client.reply()).isEqualTo("250 2.1.0 Ok");
            assertThat(client.reply()).isEqualTo("250 2.1.5 Ok");
            assertThat(client.reply()).isEqualTo("250 2.1.5 Ok");
            assertThat(client.reply()).isEqualTo("354 End data with <CR><LF>.<CR><LF>");
            client.send("Subject: hi", "X-Folded: a", " b", "", "line one", "..dot line", ".");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok: queued as Q1");
            client.send("QUIT");
            assertThat(client.reply()).isEqualTo("221 2.0.0 Bye");
            assertThat(client.readsEof()).isTrue();
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        StoredMessage message = server.messages().get(0);
        assertThat(message.mailFrom()).isEqualTo("a@example.com");
        assertThat(message.recipients()).containsExactly("b@example.com", "c@example.com");
        assertThat(message.contentAsString()).isEqualTo("Subject: hi\r\nX-Folded: a\r\n b\r\n\r\nline one\r\n.dot line\r\n");
        assertThat(message.header("subject")).contains("hi");
        assertThat(message.header("X-Folded")).contains("a b");
        assertThat(message.body()).isEqualTo("line one\r\n.dot line\r\n");
        List<RecordedCommand> commands = server.commands(0);
        assertThat(commands).extracting(RecordedCommand::verb)
                .containsExactly("EHLO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT");
        assertThat(commands.get(1).readIndex()).isEqualTo(commands.get(4).readIndex());
        assertThat(commands.get(0).readIndex()).isLessThan(commands.get(1).readIndex());
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.events()).isEmpty();
    }

    @Test
    void awaitMessageCountReturnsOnceAStoredMessageArrivesAndFailsWithTheCountAfterItsTimeout() throws Exception {
        CountDownLatch store = new CountDownLatch(1);
        server.enqueue(s -> {
            s.reply("220 go");
            store.await();
            s.store("a@example.com", List.of("b@example.com"), "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            s.readLine();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.reply()).isEqualTo("220 go");
            assertThatThrownBy(() -> server.awaitMessageCount(1, Duration.ofMillis(50)))
                    .isInstanceOf(AssertionError.class).hasMessage("expected 1 stored messages within PT0.05S, got 0");
            store.countDown();
            assertThat(server.awaitMessageCount(1, Duration.ofSeconds(5))).singleElement()
                    .satisfies(m -> assertThat(m.recipients()).containsExactly("b@example.com"));
        }
    }

    @Test
    void queuedScriptsRunInOrderThenDefault() throws Exception {
        server.enqueue(s -> s.reply("220 first " + s.connectionIndex()));
        server.enqueue(s -> s.reply("220 second " + s.connectionIndex()));
        server.setDefaultScript(s -> s.reply("220 default " + s.connectionIndex()));
        for (String expected : List.of("220 first 0", "220 second 1", "220 default 2")) {
            try (TestClient client = TestClient.connect(server.host(), server.port())) {
                assertThat(client.reply()).isEqualTo(expected);
            }
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        assertThat(server.connectionCount()).isEqualTo(3);
    }

    @Test
    void readsBareLfLinesAndTimesOut() throws Exception {
        AtomicReference<Throwable> timeout = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        server.enqueue(s -> {
            try {
                s.readLine(Duration.ofMillis(50));
            } catch (SocketTimeoutException e) {
                timeout.set(e);
            }
            s.reply("220 go");
            assertThat(s.readLine()).isEqualTo("HELO bare");
            assertThat(s.readLine(Duration.ofSeconds(5))).isEqualTo("NOOP");
            assertThat(s.readLine()).isNull();
            done.countDown();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.reply()).isEqualTo("220 go");
            client.sendRaw("HELO bare\nNOOP\r\n");
        }
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(timeout.get()).isInstanceOf(SocketTimeoutException.class);
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.scriptErrors()).isEmpty();
    }

    @Test
    void smallReadBufferSplitsLongLinesAcrossReads() throws Exception {
        try (ScriptedSmtpServer small = ScriptedSmtpServer.start(ServerOptions.defaults().withReadBufferSize(16))) {
            CountDownLatch done = new CountDownLatch(1);
            small.enqueue(s -> {
                s.readLine();
                s.reply("250 ok");
                done.countDown();
                s.stallUntilClientCloses();
            });
            try (TestClient client = TestClient.connect(small.host(), small.port())) {
                client.send("X".repeat(100));
                assertThat(client.reply()).isEqualTo("250 ok");
            }
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(small.commands().get(0).readIndex()).isGreaterThanOrEqualTo(6);
            assertThat(small.commands().get(0).line()).hasSize(100);
            small.awaitNoOpenConnections(Duration.ofSeconds(5));
        }
    }

    @Test
    void inputBufferedSeesUnreadBytes() throws Exception {
        AtomicReference<Boolean> afterFirst = new AtomicReference<>();
        AtomicReference<Boolean> afterSecond = new AtomicReference<>();
        server.enqueue(s -> {
            s.readLine();
            afterFirst.set(s.inputBuffered());
            s.readLine();
            afterSecond.set(s.inputBuffered());
            s.reply("250 ok");
            s.stallUntilClientCloses();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.send("ONE", "TWO");
            assertThat(client.reply()).isEqualTo("250 ok");
        }
        assertThat(afterFirst.get()).isTrue();
        assertThat(afterSecond.get()).isFalse();
    }

    @Test
    void readsDataRawAndUnstuffedAndExactBytes() throws Exception {
        AtomicReference<byte[]> raw = new AtomicReference<>();
        AtomicReference<byte[]> unstuffed = new AtomicReference<>();
        AtomicReference<byte[]> exact = new AtomicReference<>();
        server.enqueue(s -> {
            raw.set(s.readRawData());
            unstuffed.set(s.readData());
            exact.set(s.readExactly(5));
            s.reply("250 done");
            s.closeFin();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.sendRaw("a\r\n..b\r\n.\r\n" + "x\r\n..\r\n...y\r\n.\r\n" + "12345");
            assertThat(client.reply()).isEqualTo("250 done");
            assertThat(client.readsEof()).isTrue();
        }
        assertThat(new String(raw.get(), StandardCharsets.US_ASCII)).isEqualTo("a\r\n..b\r\n.\r\n");
        assertThat(new String(unstuffed.get(), StandardCharsets.US_ASCII)).isEqualTo("x\r\n.\r\n..y\r\n");
        assertThat(new String(exact.get(), StandardCharsets.US_ASCII)).isEqualTo("12345");
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
    }

    @Test
    void closeRstResetsTheClient() throws Exception {
        server.enqueue(s -> {
            s.reply("220 bye");
            s.readLine();
            s.closeRst();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.reply()).isEqualTo("220 bye");
            client.send("NOOP");
            assertThatThrownBy(() -> {
                client.readsEof();
                client.send("NOOP");
                client.readsEof();
            }).isInstanceOf(IOException.class);
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
    }

    @Test
    void closeFinDeliversReplyEvenWithUnreadInput() throws Exception {
        server.enqueue(s -> {
            s.readLine();
            s.reply("500 go away");
            s.closeFin();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.send("ONE", "TWO", "THREE");
            assertThat(client.reply()).isEqualTo("500 go away");
            assertThat(client.readsEof()).isTrue();
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
    }

    @Test
    void awaitNoOpenConnectionsNamesOpenOnes() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        server.enqueue(s -> {
            stalled.countDown();
            s.stallUntilClientCloses();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(stalled.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(server.openConnections()).isEqualTo(1);
            assertThatThrownBy(() -> server.awaitNoOpenConnections(Duration.ofMillis(50)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("[0]");
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
    }

    @Test
    void recordsScriptErrorsButNotDisconnects() throws Exception {
        server.enqueue(s -> {
            throw new IllegalStateException("boom");
        });
        server.enqueue(s -> {
            s.readLine();
            s.readData();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.readsEof()).isTrue();
        }
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.send("DATA", "partial content");
        }
        server.awaitConnectionCount(2, Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.openConnections()).isZero();
        assertThat(server.scriptErrors()).singleElement().extracting(Throwable::getMessage).isEqualTo("boom");
        assertThat(server.events()).contains("EOF in message content after 17 bytes");
    }

    @Test
    void linesAfterScriptAreEvents() throws Exception {
        server.enqueue(s -> s.reply("220 hi"));
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("QUIT");
        }
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.events()).containsExactly("after script: QUIT");
        assertThat(server.commands()).isEmpty();
    }

    @Test
    void writeSlowlyArrivesComplete() throws Exception {
        server.enqueue(s -> {
            s.writeSlowly("250-a\r\n250 b\r\n".getBytes(StandardCharsets.US_ASCII), 3, Duration.ofMillis(2));
            s.pause(Duration.ofMillis(1));
            s.closeFin();
        });
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            assertThat(client.readReply()).containsExactly("250-a", "250 b");
        }
    }

    @Test
    void closeEndsBlockedScripts() throws Exception {
        ScriptedSmtpServer other = ScriptedSmtpServer.start();
        CountDownLatch reading = new CountDownLatch(1);
        other.setDefaultScript(s -> {
            reading.countDown();
            s.readLine();
        });
        try (TestClient client = TestClient.connect(other.host(), other.port())) {
            assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            other.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(client.readsEof()).isTrue();
        }
        assertThat(other.openConnections()).isZero();
        assertThat(other.scriptErrors()).isEmpty();
    }
}
