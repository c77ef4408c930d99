package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO_NO_PIPELINING;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.message;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * All recipients refused, and a 354 anyway (docs/fault-kinds.md#all-recipients-refused): when no RCPT TO was accepted, the content is never sent: a lone
 * "." after a 354, nothing after a refused DATA (then RSET), and the RCPT errors stay the headline.
 */
class AllRecipientsRefusedTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    private static void refuseBoth(ServerSession s) throws IOException {
        assertThat(s.readLine()).startsWith("MAIL FROM");
        s.reply("250 2.1.0 Ok");
        assertThat(s.readLine()).isEqualTo("RCPT TO:<rcpt-1@example.net>");
        s.reply("550 5.1.1 User unknown");
        assertThat(s.readLine()).isEqualTo("RCPT TO:<rcpt-2@example.net>");
        s.reply("550 5.1.1 User unknown");
    }

    /** Message 2 on the same session: RSET allowed first, then a normal transaction. */
    private static void secondMessage(ServerSession s, boolean expectRset) throws IOException {
        String line = s.readLine();
        if (expectRset) {
            assertThat(line).isEqualTo("RSET");
            s.reply("250 2.0.0 Ok");
            line = s.readLine();
        }
        assertThat(line).startsWith("MAIL FROM");
        s.reply("250 2.1.0 Ok");
        assertThat(s.readLine()).isEqualTo("RCPT TO:<rcpt-3@example.net>");
        s.reply("250 2.1.5 Ok");
        assertThat(s.readLine()).isEqualTo("DATA");
        s.reply("354 go");
        s.store("sender@example.com", List.of(rcpt(3)), s.readData());
        s.reply("250 2.0.0 Ok: queued as M2");
        ClientFixtures.quit(s);
    }

    private void assertRcptErrors(MessageLedger ledger) {
        assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
        for (RecipientResult r : ledger.recipients()) {
            assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
            SmtpError e = r.error().orElseThrow();
            assertThat(e.command()).isEqualTo("RCPT TO:<" + r.address() + ">");
            assertThat(e.code()).isEqualTo(550);
            assertThat(e.enhancedStatusCode()).contains("5.1.1");
            assertThat(e.type()).isEqualTo(FailureType.PERMANENT);
        }
        assertThat(ledger.contentCommitted()).isFalse();
    }

    @Test
    void variantA_dataAccepted_sendsALoneDotAndNoContent() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO);
            refuseBoth(s);
            assertThat(s.readLine()).isEqualTo("DATA");
            s.reply("354 Go ahead");
            byte[] raw = s.readRawData();
            if (!new String(raw, StandardCharsets.US_ASCII).equals(".\r\n")) {
                s.server().event("content leaked: " + raw.length + " octets");
            }
            s.reply("554 5.5.1 Error: no valid recipients");
            // the transaction did not end with a 2yz to its content: RSET before the next MAIL FROM
            secondMessage(s, true);
        });
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger first = c.send(List.of(message(2048, rcpt(1), rcpt(2)))).get(0);
            assertRcptErrors(first);
            assertThat(first.details()).extracting(SmtpError::code).contains(554);
            assertThat(c.send(List.of(message(100, rcpt(3)))).get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(server.events()).isEmpty();
        assertThat(server.messages()).extracting(m -> m.recipients()).containsExactly(List.of(rcpt(3)));
    }

    @Test
    void variantB_serverClosesAfterData_rcptErrorsStayTheHeadline() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO);
            refuseBoth(s);
            assertThat(s.readLine()).isEqualTo("DATA");
            s.closeFin();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger first = c.send(List.of(message(2048, rcpt(1), rcpt(2)))).get(0);
        assertRcptErrors(first);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        server.enqueue(s -> {
            greet(s, D_EHLO);
            secondMessage(s, false);
        });
        try (SmtpConnection fresh = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            assertThat(fresh.send(List.of(message(100, rcpt(3)))).get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(server.connectionCount()).isEqualTo(2);
        assertThat(server.messages()).hasSize(1);
    }

    @Test
    void variantC_dataRefused_rsetBeforeTheNextMail() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO);
            refuseBoth(s);
            assertThat(s.readLine()).isEqualTo("DATA");
            s.reply("503 5.5.1 RCPT first");
            secondMessage(s, true);
        });
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger first = c.send(List.of(message(2048, rcpt(1), rcpt(2)))).get(0);
            assertRcptErrors(first);
            assertThat(first.details()).extracting(SmtpError::command, SmtpError::code)
                    .contains(org.assertj.core.groups.Tuple.tuple("DATA", 503));
            assertThat(c.send(List.of(message(100, rcpt(3)))).get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(server.messages()).hasSize(1);
    }

    @Test
    void withoutPipeliningDataIsNotSentWhenNoRecipientWasAccepted() throws Exception {
        server.enqueue(s -> {
            greet(s, D_EHLO_NO_PIPELINING);
            refuseBoth(s);
            secondMessage(s, true);
        });
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            assertRcptErrors(c.send(List.of(message(2048, rcpt(1), rcpt(2)))).get(0));
            assertThat(c.send(List.of(message(100, rcpt(3)))).get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(server.commands(0)).extracting(RecordedCommand::line).filteredOn("DATA"::equals).hasSize(1);
    }
}
