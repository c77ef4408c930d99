package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO_NO_PIPELINING;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.message;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 421 in the middle of a group (docs/fault-kinds.md#service-closing-mid-group): a 421 (or a reset) in the middle of a group is reported as the server
 * said it, the connection is closed and never reused, and nothing is reported SUCCEEDED.
 */
class ServiceClosingTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.close();
    }

    private MessageLedger sendOnce(OutgoingMessage message) throws IOException {
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(message)).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        return ledger;
    }

    /** The next send uses a fresh connection (the default, normal server) and succeeds. */
    private void nextSendSucceeds() throws IOException {
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            assertThat(c.send(List.of(message(100, rcpt(9)))).get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(server.connectionCount()).isEqualTo(2);
    }

    @Test
    void variantA_421ToMailThenReset() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO);
            s.readLine();
            s.reply("421 4.4.2 Message submission rate for this client has exceeded the configured limit");
            s.closeRst();
        });
        MessageLedger ledger = sendOnce(message(1024, rcpt(1), rcpt(2)));
        for (RecipientResult r : ledger.recipients()) {
            assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
            SmtpError e = r.error().orElseThrow();
            assertThat(e.command()).isEqualTo("MAIL FROM");
            assertThat(e.code()).isEqualTo(421);
            assertThat(e.enhancedStatusCode()).contains("4.4.2");
            assertThat(e.reply().orElseThrow().text()).startsWith("Message submission rate");
            assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
        }
        nextSendSucceeds();
    }

    @Test
    void variantB_421InsteadOfTheSecondRcptReply() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO);
            s.readLine();
            s.reply("250 2.1.0 Ok");
            s.readLine();
            s.reply("250 2.1.5 Ok");
            s.readLine();
            s.reply("421 4.3.2 Service shutting down");
            s.closeFin();
        });
        MessageLedger ledger = sendOnce(message(1024, rcpt(1), rcpt(2)));
        RecipientResult first = ledger.recipients().get(0);
        assertThat(first.status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(first.wasAccepted()).isTrue();
        assertThat(first.error().orElseThrow().type()).isEqualTo(FailureType.TRANSIENT);
        assertThat(first.error().orElseThrow().description()).contains("421 4.3.2");
        SmtpError second = ledger.recipients().get(1).error().orElseThrow();
        assertThat(second.command()).isEqualTo("RCPT TO:<rcpt-2@example.net>");
        assertThat(second.code()).isEqualTo(421);
        assertThat(second.enhancedStatusCode()).contains("4.3.2");
        assertThat(second.type()).isEqualTo(FailureType.TRANSIENT);
        nextSendSucceeds();
    }

    @Test
    void variantC_421ToDataWithoutPipelining() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO_NO_PIPELINING);
            for (int i = 0; i < 3; i++) {
                s.readLine();
                s.reply("250 2.1.0 Ok");
            }
            assertThat(s.readLine()).isEqualTo("DATA");
            s.reply("421 4.3.0 Try again later");
            s.closeFin();
        });
        MessageLedger ledger = sendOnce(message(1024, rcpt(1), rcpt(2)));
        for (RecipientResult r : ledger.recipients()) {
            SmtpError e = r.error().orElseThrow();
            assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
            assertThat(e.command()).isEqualTo("DATA");
            assertThat(e.code()).isEqualTo(421);
            assertThat(e.enhancedStatusCode()).contains("4.3.0");
        }
        nextSendSucceeds();
    }

    @Test
    void variantD_resetInTheMiddleOfTheContent() throws Exception {
        CountDownLatch reset = new CountDownLatch(1);
        server.enqueue(s -> {
            greet(s, D_EHLO);
            for (int i = 0; i < 3; i++) {
                s.readLine();
                s.reply("250 Ok");
            }
            s.readLine();
            s.reply("354 go");
            s.readExactly(64 * 1024);
            s.closeRst();
            reset.countDown();
        });
        byte[] half = ClientFixtures.body(100 * 1024).getBytes(StandardCharsets.US_ASCII);
        MessageContent content = out -> {
            out.write("Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(half);
            out.flush();
            awaitQuietly(reset);
            writeRepeatedly(out, half, 4);
        };
        MessageLedger ledger = sendOnce(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1), rcpt(2)), content));
        for (RecipientResult r : ledger.recipients()) {
            assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
            SmtpError e = r.error().orElseThrow();
            assertThat(e.command()).isEqualTo("DATA (content)");
            assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
            assertThat(e.exception()).isPresent();
        }
        assertThat(ledger.contentCommitted()).isFalse();
        nextSendSucceeds();
    }

    @Test
    void variantD2_a421InTheMiddleOfTheContentIsTheHeadlineNotTheReset() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        server.enqueue(s -> {
            greet(s, D_EHLO);
            for (int i = 0; i < 3; i++) {
                s.readLine();
                s.reply("250 Ok");
            }
            s.readLine();
            s.reply("354 go");
            s.readExactly(64 * 1024);
            s.reply("421 4.3.2 Service shutting down");
            s.closeRst();
            closed.countDown();
        });
        byte[] half = ClientFixtures.body(100 * 1024).getBytes(StandardCharsets.US_ASCII);
        MessageContent content = out -> {
            out.write("Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(half);
            awaitQuietly(closed);
            writeRepeatedly(out, half, 4);
        };
        MessageLedger ledger = sendOnce(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1), rcpt(2)), content));
        for (RecipientResult r : ledger.recipients()) {
            assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
            SmtpError e = r.error().orElseThrow();
            assertThat(e.code()).as(e.toString()).isEqualTo(421);
            assertThat(e.enhancedStatusCode()).contains("4.3.2");
            assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
        }
        assertThat(ledger.contentCommitted()).isFalse();
        nextSendSucceeds();
    }

    @Test
    void a421ToTheEndOfDataFailsTheMessageAndTheRestOfTheBatchIsNotSent() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO);
            for (int i = 0; i < 2; i++) {
                s.readLine();
                s.reply("250 Ok");
            }
            s.readLine();
            s.reply("354 go");
            s.readData();
            s.reply("421 4.3.0 Shutting down");
            s.closeFin();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        List<MessageLedger> ledgers = c.send(List.of(message(100, rcpt(1)), message(100, rcpt(2)), message(100, rcpt(3))));
        c.close();
        SmtpError e = ledgers.get(0).recipients().get(0).error().orElseThrow();
        assertThat(e.command()).isEqualTo("DATA (end of data)");
        assertThat(e.code()).isEqualTo(421);
        assertThat(ledgers.get(1).recipients().get(0).status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(ledgers.get(2).recipients().get(0).status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(ledgers.get(2).recipients().get(0).error().orElseThrow().type()).isEqualTo(FailureType.TRANSIENT);
        assertThat(ledgers.get(2).contentCommitted()).isFalse();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeRepeatedly(OutputStream out, byte[] chunk, int times) throws IOException {
        for (int i = 0; i < times; i++) {
            out.write(chunk);
            out.flush();
        }
    }
}
