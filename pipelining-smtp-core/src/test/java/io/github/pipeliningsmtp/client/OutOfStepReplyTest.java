package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.message;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testkit.ClientFixtures;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServerExtension;
import io.github.pipeliningsmtp.testing.SmtpScript;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Replies that contradict the client's model of the server's state (RFC 2920 §3.1 pairs replies by
 * counting, so one such reply means the client no longer knows what the following commands did):
 * the rest of the flight is UNKNOWN where its content was written and FAILED (not sent, transient)
 * where it was not, the error is recorded under the step that got the reply, and the connection is
 * retired. The server is declarative ({@link SmtpScript}), injected by the extension, which fails a
 * test that leaks a connection or whose script saw another command than expected.
 */
@ExtendWith(ScriptedSmtpServerExtension.class)
class OutOfStepReplyTest {

    private static final String[] CHUNKING_EHLO = {"250-mail.example.com", "250-PIPELINING", "250-CHUNKING",
        "250-8BITMIME", "250 ENHANCEDSTATUSCODES"};

    /** Injected by the extension for each test. */
    private ScriptedSmtpServer server;

    /** The lines the server read on connection 0 after the {@code nth} (from 0) line starting with the prefix. */
    private List<String> linesAfter(String prefix, int nth) {
        List<String> lines = server.commands(0).stream().map(RecordedCommand::line).toList();
        int seen = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix) && ++seen == nth) {
                return lines.subList(i + 1, lines.size());
            }
        }
        throw new AssertionError("no line " + nth + " starting with " + prefix + " in " + lines);
    }

    private static SmtpScript acceptDataTransaction(String recipient, String queueId) {
        return SmtpScript.create()
                .expectPrefix("MAIL FROM:<").reply("250 2.1.0 Ok")
                .expect("RCPT TO:<" + recipient + ">").reply("250 2.1.5 Ok")
                .expect("DATA").reply("354 go")
                .readData()
                .reply("250 2.0.0 Ok: queued as " + queueId);
    }

    @Test
    void mailFromAnswered503AfterAContentFailsThatMessageNotSentAndRetiresTheConnection() throws Exception {
        server.enqueue(SmtpScript.create().greeting().ehlo(D_EHLO)
                .then(acceptDataTransaction(rcpt(1), "A1"))
                .expectPrefix("MAIL FROM:<").reply("503 5.5.1 Error: nested MAIL command")
                .readUntilClose());
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
        List<String> rest = linesAfter("MAIL FROM:<", 1);
        assertThat(rest).as("no content after the out-of-step reply").doesNotContain(".");
        assertThat(server.messages()).extracting(m -> m.recipients()).containsExactly(List.of(rcpt(1)));
    }

    @Test
    void mailFromAnswered503InsideABdatWindowMakesTheWrittenMessagesUnknown() throws Exception {
        server.enqueue(SmtpScript.create().greeting().ehlo(CHUNKING_EHLO)
                .expectPrefix("MAIL FROM:<").reply("250 2.1.0 Ok")
                .expect("RCPT TO:<" + rcpt(1) + ">").reply("250 2.1.5 Ok")
                .expect("BDAT <n> LAST", line -> line.startsWith("BDAT ") && line.endsWith(" LAST"))
                .readChunk()
                .reply("250 2.0.0 Ok: queued as B1")
                .expect("RSET").reply("250 2.0.0 Ok")
                .expectPrefix("MAIL FROM:<").reply("503 5.5.1 sender already given")
                .readUntilClose());
        List<MessageLedger> ledgers;
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
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
        server.enqueue(SmtpScript.create().greeting().ehlo(D_EHLO)
                .expectPrefix("MAIL FROM:<").reply("250 2.1.0 Ok")
                .expectPrefix("RCPT TO:<").reply("250 2.1.5 Ok")
                .expect("DATA").reply("354 go", "550 5.7.1 refused before any content")
                .readUntilClose());
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
        List<String> rest = linesAfter("DATA", 0);
        assertThat(rest).isEmpty();
    }

    @Test
    void aRefusedRsetEndsTheFlightAndTheNextMessageIsNotSent() throws Exception {
        server.enqueue(SmtpScript.create().greeting().ehlo(D_EHLO)
                .expectPrefix("MAIL FROM:<").reply("250 2.1.0 Ok")
                .expectPrefix("RCPT TO:<").reply("550 5.1.1 User unknown")
                .expect("DATA").reply("554 5.5.1 Error: no valid recipients")
                // the first transaction failed: the next envelope comes after RSET
                .expect("RSET").reply("502 5.5.2 RSET not implemented")
                .readUntilClose());
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
        server.enqueue(SmtpScript.create().greeting().ehlo(CHUNKING_EHLO)
                .expectPrefix("MAIL FROM:<").reply("250 2.1.0 Ok")
                .expectPrefix("RCPT TO:<").reply("550 5.1.1 User unknown")
                .expectPrefix("BDAT ").readChunk()
                .reply("250 OK id=1a2b3c")
                .readUntilClose());
        MessageLedger ledger;
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
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
