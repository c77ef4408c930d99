package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.ProviderSimulator;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A relay that ends connections by its own rules: after some messages on one (SendGrid: 421 4.4.5)
 * or after an idle time (SES: 451 4.4.2). What was refused goes again on a fresh connection, once.
 */
class ConnectionLimitsOfARelayTest {

    private static final RetryPolicy RETRY = RetryPolicy.builder().enabled(true).maxAttempts(3)
            .initialBackOff(Duration.ofMillis(10)).maxBackOff(Duration.ofMillis(10)).jitter(0)
            .budget(Duration.ofSeconds(10)).build();

    @Test
    void messagesPastTheRelaysPerConnectionLimitAreDeliveredOnceOnFreshConnections() throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder().messagesPerConnection(3).build();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(relay);
            List<OutgoingMessage> messages = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                messages.add(ClientFixtures.message(100, ClientFixtures.rcpt(i)));
            }
            RetryingDelivery.Outcome o = deliver(server, messages);
            assertThat(relay.refusals(ProviderSimulator.PER_CONNECTION_REPLY)).isPositive();
            assertThat(o.batch().ledgers()).allMatch(l -> l.count(RecipientStatus.SUCCEEDED) == 1);
            for (int i = 0; i < 10; i++) {
                String rcpt = ClientFixtures.rcpt(i);
                assertThat(server.messages().stream().map(StoredMessage::recipients).filter(r -> r.contains(rcpt)))
                        .as(rcpt).hasSize(1);
            }
            assertThat(server.connectionCount()).isGreaterThanOrEqualTo(4);
            ClientFixtures.closeCleanly(server);
        }
    }

    @Test
    void aConnectionTheRelayClosedWhileIdleIsNotUsedAgain() throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder().idleTimeout(Duration.ofMillis(200)).build();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(relay);
            try (SmtpConnectionPool pool = pool(server); BatchDelivery batch = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
                RetryingDelivery retrying = new RetryingDelivery(batch, RETRY, io.github.pipeliningsmtp.client.SmtpListener.NONE,
                        RetryClock.SYSTEM);
                assertThat(retrying.deliver(List.of(ClientFixtures.message(100, "a@example.net"))).batch().ledgers()
                        .get(0).count(RecipientStatus.SUCCEEDED)).isEqualTo(1);
                // the relay ends the idle session with 451 4.4.2 and closes it
                server.awaitNoOpenConnections(Duration.ofSeconds(5));
                assertThat(relay.refusals(ProviderSimulator.IDLE_REPLY)).isEqualTo(1);
                RetryingDelivery.Outcome o = retrying.deliver(List.of(ClientFixtures.message(100, "b@example.net")));
                assertThat(o.batch().ledgers().get(0).count(RecipientStatus.SUCCEEDED)).isEqualTo(1);
                assertThat(o.batch().ledgers().get(0).recipients().get(0).attempts()).isEqualTo(1);
            }
            assertThat(server.messages()).hasSize(2);
            assertThat(server.connectionCount()).isEqualTo(2);
            ClientFixtures.closeCleanly(server);
        }
    }

    private static SmtpConnectionPool pool(ScriptedSmtpServer server) {
        return new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(5)).build());
    }

    private static RetryingDelivery.Outcome deliver(ScriptedSmtpServer server, List<OutgoingMessage> messages) {
        try (SmtpConnectionPool pool = pool(server); BatchDelivery batch = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            return new RetryingDelivery(batch, RETRY, io.github.pipeliningsmtp.client.SmtpListener.NONE, RetryClock.SYSTEM)
                    .deliver(messages);
        }
    }
}
