package io.github.pipeliningsmtp.pool;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.delivery.PooledDelivery;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ReplyFunction;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Envelope edge cases: null reverse-path, duplicate recipients, and too many recipients
 * (docs/fault-kinds.md#too-many-recipients: RCPTMAX=1, a 452 for the first recipient).
 */
class UnusualEnvelopesAreDeliveredTest {

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

    private PooledDelivery delivery() {
        pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                PoolSettings.builder().maxConnections(2).build());
        return new PooledDelivery(pool);
    }

    private List<String> lines(String verb) {
        return server.commands().stream().map(RecordedCommand::line).filter(l -> l.startsWith(verb)).toList();
    }

    @Test
    void nullReversePathIsSentAsAngleBrackets() throws Exception {
        server.setDefaultScript(new StandardSession());
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger l = c.send(List.of(ClientFixtures.message("", 300, rcpt(1)))).get(0);
            assertThat(l.status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(lines("MAIL")).hasSize(1).allMatch(l -> l.startsWith("MAIL FROM:<>"));
    }

    @Test
    void duplicateRecipientsAreEachReported() throws Exception {
        server.setDefaultScript(new StandardSession());
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger l = c.send(List.of(ClientFixtures.message(300, rcpt(1), rcpt(1), rcpt(2)))).get(0);
            assertThat(l.recipients()).hasSize(3).allMatch(r -> r.status() == RecipientStatus.SUCCEEDED);
        }
        assertThat(server.messages()).hasSize(1);
    }

    @Test
    void limitsRcptMaxOneSplitsIntoOneRecipientPerTransaction() throws Exception {
        server.setDefaultScript(StandardSession.builder().ehloReply("250-mail.example.com", "250-PIPELINING",
                "250-LIMITS RCPTMAX=1", "250 8BITMIME").build());
        MessageLedger l = delivery().deliver(List.of(ClientFixtures.message(300, rcpt(1), rcpt(2), rcpt(3))),
                DeliveryPolicy.PARTIAL).ledgers().get(0);
        assertThat(l.status()).as(l.toString()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.messages()).hasSize(3).allMatch(m -> m.recipients().size() == 1);
        assertThat(lines("RCPT")).hasSize(3);
    }

    @Test
    void a452ForTheVeryFirstRecipientIsSentInANewTransaction() throws Exception {
        AtomicInteger rcpts = new AtomicInteger();
        ReplyFunction rcptReply = (s, addr) -> rcpts.incrementAndGet() == 1
                ? List.of("452 4.5.3 Too many recipients") : null;
        server.setDefaultScript(StandardSession.builder().rcptReply(rcptReply).build());
        MessageLedger l = delivery().deliver(List.of(ClientFixtures.message(300, rcpt(1), rcpt(2), rcpt(3))),
                DeliveryPolicy.PARTIAL).ledgers().get(0);
        assertThat(l.status()).as(l.toString()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.messages().stream().flatMap(m -> m.recipients().stream()).toList())
                .containsExactlyInAnyOrder(rcpt(1), rcpt(2), rcpt(3));
    }
}
