package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.client.SendingOptions;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.EHLO_NO_SIZE;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 421 in the middle of a group (docs/fault-kinds.md#service-closing-mid-group; the real reply hidden behind an
 * I/O error, the connection not closed):
 * variants the existing ServiceClosingTest does not script.
 */
class ServiceClosingReplyIsThePrimaryErrorTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    /**
     * The server accepts DATA with 354 and at once sends 421 (same segment), then resets the
     * connection while the client is still streaming a large body. The 421 is already in the
     * client's buffer: it must be the primary error, not the write's "connection reset" (the kind's rule:
     * "{..., 421, ...} as the primary error; the I/O error may be attached as cause or suppressed").
     */
    @Test
    void a421RightAfterThe354IsNotHiddenByTheContentWriteError() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO_NO_SIZE);
            for (int i = 0; i < 4; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "354 go ahead",
                    "421 4.3.2 Service shutting down");
            s.pause(Duration.ofMillis(400));
            s.closeRst();
        });
        byte[] block = new byte[64 * 1024];
        Arrays.fill(block, (byte) 'a');
        for (int i = 63; i < block.length; i += 64) {
            block[i - 1] = '\r';
            block[i] = '\n';
        }
        MessageContent big = out -> {
            out.write("Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 512; i++) { // 32 MiB: more than the loopback buffers hold
                out.write(block);
            }
        };
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(new OutgoingMessage(
                Envelope.of(ClientFixtures.SENDER, rcpt(1), rcpt(2)), big))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        for (RecipientResult r : ledger.recipients()) {
            assertThat(r.status()).as(r.toString()).isEqualTo(RecipientStatus.FAILED);
            SmtpError e = r.error().orElseThrow();
            assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
            assertThat(e.code()).as("primary error of %s should be the server's 421, was %s", r.address(), e)
                    .isEqualTo(421);
        }
    }

    /** A multi-line 421 in place of the second RCPT reply, then FIN. */
    @Test
    void aMultiLine421MidGroupIsReportedAsTheServerSaidIt() throws Exception {
        server.enqueue(s -> {
            greet(s, ClientFixtures.D_EHLO);
            s.readLine();
            s.reply("250 2.1.0 Ok");
            s.readLine();
            s.reply("250 2.1.5 Ok");
            s.readLine();
            s.reply("421-4.3.2 Service shutting down", "421-4.3.2 for maintenance", "421 4.3.2 try later");
            s.closeFin();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(1024, rcpt(1), rcpt(2)))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        assertThat(ledger.recipients().get(0).status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(ledger.recipients().get(0).error().orElseThrow().type()).isEqualTo(FailureType.TRANSIENT);
        SmtpError second = ledger.recipients().get(1).error().orElseThrow();
        assertThat(second.command()).isEqualTo("RCPT TO:<rcpt-2@example.net>");
        assertThat(second.code()).isEqualTo(421);
        assertThat(second.reply().orElseThrow().lines()).hasSize(3);
        assertThat(server.messages()).isEmpty();
    }

    /** CHUNKING: the second BDAT chunk gets 421 and FIN; nothing SUCCEEDED, the 421 is the error, connection retired. */
    @Test
    void a421InTheMiddleOfABdatStream() throws Exception {
        server.enqueue(s -> {
            greet(s, "250-mail.example.com", "250-CHUNKING", "250-PIPELINING", "250 8BITMIME");
            int chunks = 0;
            for (String line = s.readLine(); line != null; line = s.readLine()) {
                if (line.startsWith("MAIL")) {
                    s.reply("250 2.1.0 Ok");
                } else if (line.startsWith("RCPT")) {
                    s.reply("250 2.1.5 Ok");
                } else if (line.startsWith("BDAT ")) {
                    s.readExactly(Integer.parseInt(line.split(" ")[1]));
                    if (++chunks == 2) {
                        s.reply("421 4.3.2 Service shutting down");
                        s.closeFin();
                        return;
                    }
                    s.reply("250 2.0.0 chunk ok");
                } else {
                    s.reply("500 5.5.2 unexpected");
                }
            }
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build(), SendingOptions.builder().chunkSize(1000).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(5000, rcpt(1), rcpt(2)))).get(0);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
        for (RecipientResult r : ledger.recipients()) {
            assertThat(r.status()).as(r.toString()).isEqualTo(RecipientStatus.FAILED);
            SmtpError e = r.error().orElseThrow();
            assertThat(e.code()).as(e.toString()).isEqualTo(421);
            assertThat(e.command()).startsWith("BDAT");
            assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
        }
    }
}
