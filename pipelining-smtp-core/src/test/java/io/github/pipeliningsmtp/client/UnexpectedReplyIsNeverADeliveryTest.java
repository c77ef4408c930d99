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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Read every status and replies out of step (docs/fault-kinds.md#read-every-status,
 * docs/fault-kinds.md#replies-out-of-step: "a reply to a command that was never sent, or a malformed
 * reply, is a protocol error that retires the connection"), and stale pooled connections
 * (docs/fault-kinds.md#stale-pooled-connection): replies that
 * make no sense or come unasked.
 */
class UnexpectedReplyIsNeverADeliveryTest {

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

    /**
     * The server answers message 1's end of data twice. Message 2's replies are then shifted by
     * one: a reply came to a command never sent, so the connection must be retired and message 2
     * must not be reported delivered.
     */
    @Test
    void anExtraReplyAfterTheEndOfDataRetiresTheConnection() throws Exception {
        server.enqueue(s -> {
            greet(s, ClientFixtures.D_EHLO);
            for (int i = 0; i < 3; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 go");
            s.readData();
            s.reply("250 2.0.0 Ok: queued as A1", "250 2.0.0 Ok: queued as A1 (again)");
            for (int i = 0; i < 3; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 go");
            s.readLine(Duration.ofSeconds(6)); // whatever comes, the session ends with the client
            s.stallUntilClientCloses();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        List<MessageLedger> ledgers = c.send(List.of(ClientFixtures.message(300, rcpt(1)),
                ClientFixtures.message(300, rcpt(2))));
        SmtpConnection.State state = c.state();
        c.close();
        assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(ledgers.get(1).recipients().get(0).status()).isNotEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(state).as("connection state after replies out of step: %s", ledgers.get(1))
                .isNotEqualTo(SmtpConnection.State.READY);
    }

    /** DATA answered with 250 instead of 354: nothing is SUCCEEDED, no content is sent as commands. */
    @Test
    void dataAnsweredWith250IsNotADelivery() throws Exception {
        server.enqueue(s -> {
            greet(s, ClientFixtures.D_EHLO);
            for (int i = 0; i < 3; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok");
            for (String line = s.readLine(); line != null; line = s.readLine()) {
                if (line.equals("QUIT")) {
                    s.reply("221 Bye");
                    break;
                }
                s.reply(line.equals("RSET") ? "250 Ok" : "500 5.5.2 unexpected");
            }
            s.closeFin();
        });
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build());
        MessageLedger ledger = c.send(List.of(ClientFixtures.message(300, rcpt(1)))).get(0);
        c.close();
        assertThat(ledger.recipients().get(0).status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(server.commands()).noneMatch(cmd -> cmd.line().startsWith("Subject:") || cmd.line().startsWith("line "));
    }

    /** EOF right after the end-of-data reply; the next send on the pool is delivered once, on a new connection. */
    @Test
    void eofExactlyAfterTheEndOfDataReply() throws Exception {
        server.enqueue(s -> {
            greet(s, ClientFixtures.D_EHLO);
            for (int i = 0; i < 3; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 go");
            byte[] data = s.readData();
            s.store(ClientFixtures.SENDER, List.of(rcpt(1)), data);
            s.reply("250 2.0.0 Ok: queued as E1");
            s.closeFin();
        });
        server.setDefaultScript(new StandardSession());
        pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                PoolSettings.builder().maxConnections(1).maxIdleTime(Duration.ofSeconds(120)).build());
        PooledDelivery delivery = new PooledDelivery(pool);
        assertThat(delivery.deliver(List.of(ClientFixtures.message(300, rcpt(1))), DeliveryPolicy.PARTIAL)
                .ledgers().get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        MessageLedger second = delivery.deliver(List.of(ClientFixtures.message(300, rcpt(2))), DeliveryPolicy.PARTIAL)
                .ledgers().get(0);
        assertThat(second.status()).as(second.toString()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.messages().stream().filter(m -> m.recipients().contains(rcpt(2)))).hasSize(1);
    }

    /** An unsolicited 421 arrives on the idle pooled connection, then FIN; the next send is delivered once. */
    @Test
    void unsolicited421BeforeMailOnAReusedConnection() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        server.enqueue(s -> {
            greet(s, ClientFixtures.D_EHLO);
            for (int i = 0; i < 3; i++) {
                s.readLine();
            }
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 go");
            byte[] data = s.readData();
            s.store(ClientFixtures.SENDER, List.of(rcpt(1)), data);
            s.reply("250 2.0.0 Ok: queued as E1");
            s.pause(Duration.ofMillis(100));
            s.reply("421 4.4.2 mail.example.com Error: timeout exceeded");
            s.closeFin();
            closed.countDown();
        });
        server.setDefaultScript(new StandardSession());
        pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                PoolSettings.builder().maxConnections(1).maxIdleTime(Duration.ofSeconds(120)).build());
        PooledDelivery delivery = new PooledDelivery(pool);
        delivery.deliver(List.of(ClientFixtures.message(300, rcpt(1))), DeliveryPolicy.PARTIAL);
        // the 421 and the FIN are on the idle connection before the next send borrows it
        assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        MessageLedger second = delivery.deliver(List.of(ClientFixtures.message(300, rcpt(2))), DeliveryPolicy.PARTIAL)
                .ledgers().get(0);
        assertThat(second.status()).as(second.toString()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.messages().stream().filter(m -> m.recipients().contains(rcpt(2)))).hasSize(1);
    }
}
