package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.client.SendingOptions;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.EHLO_NO_SIZE;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Read every status and replies out of step (docs/fault-kinds.md#read-every-status,
 * docs/fault-kinds.md#replies-out-of-step: "a malformed reply is a protocol error that retires the
 * connection"): a reply line
 * over the decoder's 4,096-octet bound arrives mid-group. The connection must be retired, the
 * error must name the protocol problem, and no recipient may be SUCCEEDED unless the server's 250
 * to its end of data was read (nor FAILED when that 250 was read and the message stored).
 */
class OverLongReplyLineRetiresConnectionTest {

    private static final String LONG = "250 2.1.5 " + "x".repeat(5000);

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    private static void assertProtocolFailure(MessageLedger ledger) {
        for (RecipientResult r : ledger.recipients()) {
            assertThat(r.status()).as(r.toString()).isEqualTo(RecipientStatus.FAILED);
        }
        assertThat(ledger.contentCommitted()).isFalse();
        String errors = ledger.recipients().stream().map(r -> r.error().map(SmtpError::toString).orElse(""))
                .reduce("", String::concat) + ledger.firstError().map(e -> String.valueOf(e.exception().orElse(null))).orElse("");
        assertThat(errors).as("the error names the over-long line").containsIgnoringCase("longer than");
    }

    @Test
    void overLongRcptReplyInOneSegmentWithTheRestOfTheGroup() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO_NO_SIZE);
            for (int i = 0; i < 5; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", LONG, "250 2.1.5 Ok", "354 go");
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(800, rcpt(1), rcpt(2), rcpt(3)))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertProtocolFailure(ledger);
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void overLongRcptReplyArrivingInSlices() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO_NO_SIZE);
            for (int i = 0; i < 5; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok");
            s.pause(Duration.ofMillis(100));
            s.writeSlowly((LONG + "\r\n250 2.1.5 Ok\r\n354 go\r\n").getBytes(), 700, Duration.ofMillis(20));
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(800, rcpt(1), rcpt(2), rcpt(3)))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertProtocolFailure(ledger);
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void overLongContinuationLineOfAMultiLineRcptReply() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO_NO_SIZE);
            for (int i = 0; i < 4; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250-2.1.5 first line fine", "250-" + "y".repeat(4100), "250 2.1.5 Ok",
                    "354 go");
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(800, rcpt(1), rcpt(2)))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertProtocolFailure(ledger);
    }

    @Test
    void overLongRcptReplyWithoutPipeliningWritesNothingMore() throws Exception {
        server.enqueue(s -> {
            greet(s, "250-mail.example.com", "250 8BITMIME");
            s.readLine();
            s.reply("250 2.1.0 Ok");
            s.readLine();
            s.reply(LONG);
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(800, rcpt(1), rcpt(2)))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertProtocolFailure(ledger);
        assertThat(server.commands()).extracting(RecordedCommand::verb).containsExactly("EHLO", "MAIL", "RCPT");
    }

    /**
     * Cross-message pipelining: the 250 to message 1's end of data arrives in the same segment as
     * message 2's MAIL reply and an over-long RCPT reply. Message 1 was stored and its 250 was
     * received: it must not be FAILED (a caller would resend it: a duplicate). Message 2: all FAILED.
     */
    @Test
    void overLongReplyRightAfterTheEndOfDataReplyOfThePreviousMessage() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO_NO_SIZE);
            for (int i = 0; i < 3; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 go");
            byte[] content = s.readData();
            s.store(ClientFixtures.SENDER, List.of(rcpt(1)), content);
            for (int i = 0; i < 4; i++) {
                s.readLine();
            }
            s.reply("250 2.0.0 queued as A1", "250 2.1.0 Ok", "250 2.1.5 Ok", LONG, "354 go");
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        List<MessageLedger> ledgers = c.send(List.of(ClientFixtures.message(800, rcpt(1)),
                ClientFixtures.message(800, rcpt(2), rcpt(3))));
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertThat(server.messages()).hasSize(1);
        assertThat(ledgers.get(0).recipients().get(0).status()).as(ledgers.get(0).toString())
                .isEqualTo(RecipientStatus.SUCCEEDED);
        assertProtocolFailure(ledgers.get(1));
    }

    /** The end-of-data reply itself is over-long: the terminator went out, no 250 was decoded: UNKNOWN. */
    @Test
    void overLongEndOfDataReplyIsUnknownNeverSucceeded() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO_NO_SIZE);
            for (int i = 0; i < 4; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "354 go");
            s.readData();
            s.reply("250 2.0.0 queued " + "z".repeat(5000));
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(800, rcpt(1), rcpt(2)))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertThat(ledger.recipients()).extracting(RecipientResult::status).containsOnly(RecipientStatus.UNKNOWN);
    }

    /** CHUNKING: an over-long reply to the first (not LAST) BDAT chunk: nothing SUCCEEDED, connection retired. */
    @Test
    void overLongReplyToABdatChunk() throws Exception {
        server.enqueue(s -> {
            greet(s, "250-mail.example.com", "250-PIPELINING", "250-CHUNKING", "250 8BITMIME");
            s.readLine();
            s.reply("250 2.1.0 Ok");
            s.readLine();
            s.reply("250 2.1.5 Ok");
            String bdat = s.readLine();
            s.readExactly(Integer.parseInt(bdat.split(" ")[1]));
            s.reply("250 2.0.0 " + "c".repeat(5000));
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build(), SendingOptions.builder().chunkSize(200).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(3000, rcpt(1)))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertThat(ledger.recipients()).extracting(RecipientResult::status)
                .doesNotContain(RecipientStatus.SUCCEEDED, RecipientStatus.ACCEPTED, RecipientStatus.PENDING);
    }
}
