package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.delivery.PooledDelivery;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.MessagingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Messages whose content throws MessagingException in the middle, in a batch with others
 * (MessageContent Javadoc: "the message then fails with LOCAL, no terminator is sent and nothing of
 * it is delivered"; PooledDelivery: "Messages whose MAIL FROM was never written because the
 * connection ended first are sent on a new connection").
 */
class BrokenContentFailsOnlyItsMessageTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private SmtpConnectionPool pool;

    @AfterEach
    void tearDown() throws Exception {
        if (pool != null) {
            pool.close(Duration.ofSeconds(1));
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    private static OutgoingMessage failingMidway(String to) {
        MessageContent content = out -> {
            out.write("Subject: broken\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 40; i++) {
                out.write(("line " + i + " of a message whose content breaks\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            throw new MessagingException("attachment could not be read");
        };
        return new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, to), content);
    }

    @Test
    void theMessageAfterABrokenContentIsStillDelivered() throws Exception {
        server.setDefaultScript(new StandardSession());
        pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                PoolSettings.builder().maxConnections(1).build());
        PooledDelivery delivery = new PooledDelivery(pool);
        List<OutgoingMessage> batch = List.of(ClientFixtures.message(500, rcpt(1)), failingMidway(rcpt(2)),
                ClientFixtures.message(500, rcpt(3)), ClientFixtures.message(500, rcpt(4)));
        List<MessageLedger> ledgers = delivery.deliver(batch, DeliveryPolicy.PARTIAL).ledgers();

        assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        RecipientResult broken = ledgers.get(1).recipients().get(0);
        assertThat(broken.status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(broken.error().orElseThrow().type()).isEqualTo(FailureType.LOCAL);
        assertThat(ledgers.get(1).contentCommitted()).isFalse();
        // message 3's MAIL FROM was queued behind message 2's content and never written
        assertThat(ledgers.get(2).status()).as(ledgers.get(2).toString()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(ledgers.get(3).status()).as(ledgers.get(3).toString()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.messages()).hasSize(3);
        assertThat(server.messages()).noneMatch(m -> m.recipients().contains(rcpt(2)));
    }

    /** Same with CHUNKING: the failure is LOCAL, it is reported at once (not after a command timeout). */
    @Test
    void aBrokenContentWithChunkingFailsLocallyAndAtOnce() throws Exception {
        server.enqueue(s -> {
            greet(s, "250-mail.example.com", "250-CHUNKING", "250-PIPELINING", "250 8BITMIME");
            for (String line = s.readLine(); line != null; line = s.readLine()) {
                if (line.startsWith("MAIL")) {
                    s.reply("250 2.1.0 Ok");
                } else if (line.startsWith("RCPT")) {
                    s.reply("250 2.1.5 Ok");
                } else if (line.startsWith("BDAT ")) {
                    String[] w = line.split(" ");
                    s.readExactly(Integer.parseInt(w[1]));
                    s.reply(w.length > 2 ? "250 2.0.0 queued" : "250 2.0.0 chunk ok");
                } else if (line.equals("RSET")) {
                    s.reply("250 2.0.0 Ok");
                } else if (line.equals("QUIT")) {
                    s.reply("221 2.0.0 Bye");
                    s.closeFin();
                    return;
                }
            }
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        long start = System.nanoTime();
        MessageLedger ledger = c.send(List.of(failingMidway(rcpt(1)))).get(0);
        long millis = (System.nanoTime() - start) / 1_000_000;
        c.close();
        SmtpError e = ledger.recipients().get(0).error().orElseThrow();
        assertThat(ledger.recipients().get(0).status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(e.type()).as("error was %s", e).isEqualTo(FailureType.LOCAL);
        assertThat(millis).as("content failure reported after %d ms", millis).isLessThan(2000);
    }
}
