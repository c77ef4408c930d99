package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.message;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Read every status (docs/fault-kinds.md#read-every-status): every reply of a group is read and paired in
 * order, even after errors.
 */
class ReadEveryStatusTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    /** Replies to one transaction as they come: RCPT replies from the list, then 354 and the end of data. */
    private static void transaction(ServerSession s, List<String> rcptReplies, String endOfData) throws IOException {
        transaction(s, rcptReplies, endOfData, new boolean[1]);
    }

    /** As above; {@code inputBeforeFinalReply[0]} tells whether more input had arrived before the end-of-data reply. */
    private static void transaction(ServerSession s, List<String> rcptReplies, String endOfData,
                                    boolean[] inputBeforeFinalReply) throws IOException {
        List<String> rcpts = new ArrayList<>();
        String mail = s.readLine();
        assertThat(mail).startsWith("MAIL FROM:<");
        s.reply("250 2.1.0 Ok");
        for (String reply : rcptReplies) {
            String line = s.readLine();
            assertThat(line).startsWith("RCPT TO:<");
            s.reply(reply);
            if (reply.startsWith("2")) {
                rcpts.add(line.substring(9, line.length() - 1));
            }
        }
        assertThat(s.readLine()).isEqualTo("DATA");
        s.reply("354 End data with <CR><LF>.<CR><LF>");
        byte[] content = s.readData();
        s.store("sender@example.com", rcpts, content);
        inputBeforeFinalReply[0] = s.inputBuffered();
        s.reply(endOfData);
    }

    private static final List<String> MESSAGE_1_REPLIES = List.of("250 2.1.5 Ok",
            "550 5.1.1 <rcpt-2@example.net>: Recipient address rejected: User unknown",
            "450 4.2.0 <rcpt-3@example.net>: Recipient address rejected: Greylisted", "250 2.1.5 Ok");

    @Test
    void twoSendsOnOneConnectionKeepRepliesPaired() throws Exception {
        boolean[] mail2Early = {false};
        server.enqueue(s -> {
            greet(s, D_EHLO);
            transaction(s, MESSAGE_1_REPLIES, "250 2.0.0 Ok: queued as A1", mail2Early);
            transaction(s, List.of("250 2.1.5 Ok"), "250 2.0.0 Ok: queued as A2");
            ClientFixtures.quit(s);
        });
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
    void oneBatchPipelinesTheSecondEnvelopeBehindTheFirstContent() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO);
            transaction(s, MESSAGE_1_REPLIES, "250 2.0.0 Ok: queued as A1");
            transaction(s, List.of("250 2.1.5 Ok"), "250 2.0.0 Ok: queued as A2");
            ClientFixtures.quit(s);
        });
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
