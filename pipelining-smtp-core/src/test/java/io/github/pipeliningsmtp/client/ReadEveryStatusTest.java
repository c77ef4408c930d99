package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.message;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testkit.ClientFixtures;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServerExtension;
import io.github.pipeliningsmtp.testing.SmtpScript;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Read every status (docs/fault-kinds.md#read-every-status): every reply of a group is read and paired in
 * order, even after errors.
 * The server is declarative ({@link SmtpScript}); the extension fails a test that leaks a connection or
 * whose script saw another command than expected.
 */
@ExtendWith(ScriptedSmtpServerExtension.class)
class ReadEveryStatusTest {

    private static final SmtpScript GREET = SmtpScript.create().greeting().ehlo(D_EHLO);
    private static final SmtpScript QUIT = SmtpScript.create().expect("QUIT").reply("221 2.0.0 Bye").closeFin();

    /** One transaction: RCPT replies from the list, then 354, the content (stored) and the end of data. */
    private static SmtpScript transaction(List<String> rcptReplies, String endOfData) {
        return transaction(rcptReplies, endOfData, new boolean[1]);
    }

    /** As above; {@code inputBeforeFinalReply[0]} tells whether more input had arrived before the end-of-data reply. */
    private static SmtpScript transaction(List<String> rcptReplies, String endOfData, boolean[] inputBeforeFinalReply) {
        SmtpScript script = SmtpScript.create().expectPrefix("MAIL FROM:<").reply("250 2.1.0 Ok");
        for (String reply : rcptReplies) {
            script = script.expectPrefix("RCPT TO:<").reply(reply);
        }
        return script.expect("DATA").reply("354 End data with <CR><LF>.<CR><LF>")
                .readData()
                .perform(s -> inputBeforeFinalReply[0] = s.inputBuffered())
                .reply(endOfData);
    }

    private static final List<String> MESSAGE_1_REPLIES = List.of("250 2.1.5 Ok",
            "550 5.1.1 <rcpt-2@example.net>: Recipient address rejected: User unknown",
            "450 4.2.0 <rcpt-3@example.net>: Recipient address rejected: Greylisted", "250 2.1.5 Ok");

    @Test
    void twoSendsOnOneConnectionKeepRepliesPaired(ScriptedSmtpServer server) throws Exception {
        boolean[] mail2Early = {false};
        server.enqueue(GREET
                .then(transaction(MESSAGE_1_REPLIES, "250 2.0.0 Ok: queued as A1", mail2Early))
                .then(transaction(List.of("250 2.1.5 Ok"), "250 2.0.0 Ok: queued as A2"))
                .then(QUIT));
        try (SmtpConnection connection = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger first = connection.send(List.of(message(1024, rcpt(1), rcpt(2), rcpt(3), rcpt(4)))).get(0);
            MessageLedger second = connection.send(List.of(message(1024, rcpt(5)))).get(0);
            assertFirst(first);
            assertThat(second.status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(second.finalReply().orElseThrow().text()).endsWith("A2");
        }
        assertThat(mail2Early[0]).isFalse();
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void oneBatchPipelinesTheSecondEnvelopeBehindTheFirstContent(ScriptedSmtpServer server) throws Exception {
        server.enqueue(GREET
                .then(transaction(MESSAGE_1_REPLIES, "250 2.0.0 Ok: queued as A1"))
                .then(transaction(List.of("250 2.1.5 Ok"), "250 2.0.0 Ok: queued as A2"))
                .then(QUIT));
        try (SmtpConnection connection = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            List<MessageLedger> ledgers = connection.send(List.of(
                    message(1024, rcpt(1), rcpt(2), rcpt(3), rcpt(4)), message(1024, rcpt(5))));
            assertFirst(ledgers.get(0));
            assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(ledgers.get(1).finalReply().orElseThrow().text()).endsWith("A2");
        }
        List<RecordedCommand> commands = server.commands(0);
        RecordedCommand mail1 = find(commands, "MAIL FROM", 0);
        RecordedCommand data1 = find(commands, "DATA", 0);
        RecordedCommand mail2 = find(commands, "MAIL FROM", 1);
        assertThat(data1.readIndex()).as("MAIL, 4 RCPT and DATA in one read").isEqualTo(mail1.readIndex());
        assertThat(find(commands, "DATA", 1).readIndex()).isEqualTo(mail2.readIndex());
        assertThat(server.messages()).hasSize(2);
    }

    private static RecordedCommand find(List<RecordedCommand> commands, String prefix, int nth) {
        return commands.stream().filter(c -> c.line().startsWith(prefix)).skip(nth).findFirst().orElseThrow();
    }

    private static void assertFirst(MessageLedger ledger) {
        List<RecipientResult> r = ledger.recipients();
        assertThat(r.get(0).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(r.get(3).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(r.get(1).status()).isEqualTo(RecipientStatus.FAILED);
        SmtpError e2 = r.get(1).error().orElseThrow();
        assertThat(e2.command()).isEqualTo("RCPT TO:<rcpt-2@example.net>");
        assertThat(e2.code()).isEqualTo(550);
        assertThat(e2.enhancedStatusCode()).contains("5.1.1");
        assertThat(e2.type()).isEqualTo(FailureType.PERMANENT);
        SmtpError e3 = r.get(2).error().orElseThrow();
        assertThat(e3.code()).isEqualTo(450);
        assertThat(e3.enhancedStatusCode()).contains("4.2.0");
        assertThat(e3.type()).isEqualTo(FailureType.TRANSIENT);
        assertThat(ledger.status()).isEqualTo(MessageStatus.PARTIAL);
        assertThat(ledger.finalReply().orElseThrow().text()).endsWith("A1");
        assertThat(ledger.acceptedCount()).isEqualTo(2);
    }
}
