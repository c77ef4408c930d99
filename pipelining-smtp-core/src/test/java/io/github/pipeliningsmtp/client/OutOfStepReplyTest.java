package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.message;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Replies that contradict the client's model of the server's state (RFC 2920 §3.1 pairs replies by
 * counting, so one such reply means the client no longer knows what the following commands did):
 * the rest of the flight is UNKNOWN where its content was written and FAILED (not sent, transient)
 * where it was not, the error is recorded under the step that got the reply, and the connection is
 * retired.
 */
class OutOfStepReplyTest {

    private static final String[] CHUNKING_EHLO = {"250-mail.example.com", "250-PIPELINING", "250-CHUNKING",
        "250-8BITMIME", "250 ENHANCEDSTATUSCODES"};

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    /** Reads what the client still writes until it closes; returns the lines. */
    private static List<String> drain(ServerSession s) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line = s.readLine(); line != null; line = s.readLine()) {
            lines.add(line);
        }
        return lines;
    }

    private static void acceptDataTransaction(ServerSession s, String recipient, String queueId) throws IOException {
        assertThat(s.readLine()).startsWith("MAIL FROM:<");
        s.reply("250 2.1.0 Ok");
        assertThat(s.readLine()).isEqualTo("RCPT TO:<" + recipient + ">");
        s.reply("250 2.1.5 Ok");
        assertThat(s.readLine()).isEqualTo("DATA");
        s.reply("354 go");
        s.store("sender@example.com", List.of(recipient), s.readData());
        s.reply("250 2.0.0 Ok: queued as " + queueId);
    }

    @Test
    void mailFromAnswered503AfterAContentFailsThatMessageNotSentAndRetiresTheConnection() throws Exception {
        List<List<String>> rest = new ArrayList<>();
        server.enqueue(s -> {
            greet(s, D_EHLO);
            acceptDataTransaction(s, rcpt(1), "A1");
            assertThat(s.readLine()).startsWith("MAIL FROM:<");
            s.reply("503 5.5.1 Error: nested MAIL command");
            rest.add(drain(s));
        });
        List<MessageLedger> ledgers;
        SmtpConnection.State state;
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            ledgers = c.send(List.of(message(500, rcpt(1)), message(500, rcpt(2)), message(500, rcpt(3))));
            state = c.state();
        }
        assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        MessageLedger second = ledgers.get(1);
        assertThat(second.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(second.contentCommitted()).isFalse();
        SmtpError error = second.recipients().get(0).error().orElseThrow();
        assertThat(error.step()).isEqualTo(SmtpStep.MAIL_FROM);
        assertThat(error.code()).isEqualTo(503);
        assertThat(error.type()).as("nothing of it was written: safe to send again").isEqualTo(FailureType.TRANSIENT);
        MessageLedger third = ledgers.get(2);
        assertThat(third.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(third.started()).isFalse();
        assertThat(state).isEqualTo(SmtpConnection.State.BROKEN);
        server.awaitScriptsFinished(java.time.Duration.ofSeconds(2));
        assertThat(rest.get(0)).as("no content after the out-of-step reply").doesNotContain(".");
        assertThat(server.messages()).extracting(m -> m.recipients()).containsExactly(List.of(rcpt(1)));
    }

    @Test
    void mailFromAnswered503InsideABdatWindowMakesTheWrittenMessagesUnknown() throws Exception {
        server.enqueue(s -> {
            greet(s, CHUNKING_EHLO);
            assertThat(s.readLine()).startsWith("MAIL FROM:<");
            s.reply("250 2.1.0 Ok");
            assertThat(s.readLine()).isEqualTo("RCPT TO:<" + rcpt(1) + ">");
            s.reply("250 2.1.5 Ok");
            String bdat = s.readLine();
            assertThat(bdat).startsWith("BDAT ").endsWith(" LAST");
            byte[] content = s.readExactly(Integer.parseInt(bdat.split(" ")[1]));
            s.store("sender@example.com", List.of(rcpt(1)), content);
            s.reply("250 2.0.0 Ok: queued as B1");
            assertThat(s.readLine()).isEqualTo("RSET");
            s.reply("250 2.0.0 Ok");
            assertThat(s.readLine()).startsWith("MAIL FROM:<");
            s.reply("503 5.5.1 sender already given");
            drain(s);
        });
        List<MessageLedger> ledgers;
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).chunking(true).build())) {
            assertThat(c.isChunking()).isTrue();
            ledgers = c.send(List.of(message(300, rcpt(1)), message(300, rcpt(2)), message(300, rcpt(3))));
            assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        }
        assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        // their LAST chunks went out before the 503 was read: the server may have taken them
        assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.UNKNOWN);
        assertThat(ledgers.get(1).recipients().get(0).error().orElseThrow().code()).isEqualTo(503);
        assertThat(ledgers.get(2).status()).isEqualTo(MessageStatus.UNKNOWN);
    }

    @Test
    void aRefusalRightAfterThe354IsRecordedUnderDataAndNoContentIsSent() throws Exception {
        List<List<String>> rest = new ArrayList<>();
        server.enqueue(s -> {
            greet(s, D_EHLO);
            assertThat(s.readLine()).startsWith("MAIL FROM:<");
            s.reply("250 2.1.0 Ok");
            assertThat(s.readLine()).startsWith("RCPT TO:<");
            s.reply("250 2.1.5 Ok");
            assertThat(s.readLine()).isEqualTo("DATA");
            s.write("354 go\r\n550 5.7.1 refused before any content\r\n".getBytes(StandardCharsets.US_ASCII));
            rest.add(drain(s));
        });
        MessageLedger ledger;
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            ledger = c.send(List.of(message(500, rcpt(1)))).get(0);
            assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        }
        RecipientResult r = ledger.recipients().get(0);
        assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
        SmtpError error = r.error().orElseThrow();
        assertThat(error.step()).isEqualTo(SmtpStep.DATA);
        assertThat(error.command()).isEqualTo("DATA");
        assertThat(error.code()).isEqualTo(550);
        assertThat(error.enhancedStatusCode()).contains("5.7.1");
        assertThat(ledger.contentCommitted()).isFalse();
        server.awaitScriptsFinished(java.time.Duration.ofSeconds(2));
        assertThat(rest.get(0)).isEmpty();
    }

    @Test
    void aRefusedRsetEndsTheFlightAndTheNextMessageIsNotSent() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO);
            assertThat(s.readLine()).startsWith("MAIL FROM:<");
            s.reply("250 2.1.0 Ok");
            assertThat(s.readLine()).startsWith("RCPT TO:<");
            s.reply("550 5.1.1 User unknown");
            assertThat(s.readLine()).isEqualTo("DATA");
            s.reply("554 5.5.1 Error: no valid recipients");
            // the first transaction failed: the next envelope comes after RSET
            assertThat(s.readLine()).isEqualTo("RSET");
            s.reply("502 5.5.2 RSET not implemented");
            drain(s);
        });
        List<MessageLedger> ledgers;
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            ledgers = c.send(List.of(message(500, rcpt(1)), message(500, rcpt(2))));
            assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        }
        assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.FAILED);
        SmtpError error = ledgers.get(1).recipients().get(0).error().orElseThrow();
        assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.FAILED);
        assertThat(ledgers.get(1).contentCommitted()).isFalse();
        assertThat(error.type()).isEqualTo(FailureType.TRANSIENT);
        assertThat(error.description()).contains("RSET");
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void lastChunkAcceptedThoughNoRecipientWasRetiresTheConnection() throws Exception {
        server.enqueue(s -> {
            greet(s, CHUNKING_EHLO);
            assertThat(s.readLine()).startsWith("MAIL FROM:<");
            s.reply("250 2.1.0 Ok");
            assertThat(s.readLine()).startsWith("RCPT TO:<");
            s.reply("550 5.1.1 User unknown");
            String bdat = s.readLine();
            s.readExactly(Integer.parseInt(bdat.split(" ")[1]));
            s.reply("250 OK id=1a2b3c");
            drain(s);
        });
        MessageLedger ledger;
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).chunking(true).build())) {
            ledger = c.send(List.of(message(300, rcpt(1)))).get(0);
            assertThat(c.state()).as("a 250 for a transaction without recipients: out of step")
                    .isEqualTo(SmtpConnection.State.BROKEN);
        }
        SmtpError error = ledger.recipients().get(0).error().orElseThrow();
        assertThat(ledger.recipients().get(0).status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(error.step()).isEqualTo(SmtpStep.RCPT_TO);
        assertThat(error.code()).isEqualTo(550);
    }
}
