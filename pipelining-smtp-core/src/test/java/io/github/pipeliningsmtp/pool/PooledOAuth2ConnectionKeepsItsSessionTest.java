package io.github.pipeliningsmtp.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.CachingOAuth2TokenProvider;
import io.github.pipeliningsmtp.client.Credentials;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.SmtpTokenRefusedException;
import io.github.pipeliningsmtp.delivery.PooledDelivery;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OAuth 2 token expiry at the pool (docs/fault-kinds.md#oauth2-token-refused): only new connections
 * ask for a token; a pooled connection keeps its authenticated session; a refused token costs one
 * extra connection and no pool slot, and a second refusal frees the slot too.
 */
class PooledOAuth2ConnectionKeepsItsSessionTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final AtomicInteger fetches = new AtomicInteger();
    private SmtpConnectionPool pool;

    @AfterEach
    void tearDown() throws Exception {
        if (pool != null) {
            pool.close(Duration.ofSeconds(1));
        }
        ClientFixtures.closeCleanly(server);
    }

    private SmtpConnectionPool pool(String... tokens) {
        CachingOAuth2TokenProvider provider = new CachingOAuth2TokenProvider(
                () -> tokens[Math.min(fetches.getAndIncrement(), tokens.length - 1)]);
        pool = new SmtpConnectionPool(ClientFixtures.settings(server).allowPlaintextAuth(true)
                .credentials(Credentials.oauth2("user@example.com", provider)).build(),
                PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(2)).build());
        return pool;
    }

    @Test
    void aPooledConnectionIsReusedWithoutAskingForAToken() throws Exception {
        server.setDefaultScript(StandardSession.builder().xoauth2Token("fresh").requireAuth(true).build());
        PooledDelivery delivery = new PooledDelivery(pool("expired", "fresh"));
        for (int i = 1; i <= 3; i++) {
            PooledDelivery.Result result = delivery.deliver(List.of(ClientFixtures.message(100, ClientFixtures.rcpt(i))),
                    DeliveryPolicy.PARTIAL);
            assertThat(result.ledgers().get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        // the expired token cost one refused connection; the three sends shared the fresh one
        assertThat(fetches).hasValue(2);
        assertThat(server.connectionCount()).isEqualTo(2);
        assertThat(server.messages()).hasSize(3);
        assertThat(pool.active()).isZero();
        assertThat(pool.idle()).isEqualTo(1);
    }

    @Test
    void aTokenRefusedTwiceFreesTheSlotAndTheNextBorrowFetchesAgain() throws Exception {
        server.setDefaultScript(StandardSession.builder().xoauth2Token("third").requireAuth(true).build());
        PooledDelivery delivery = new PooledDelivery(pool("first", "second", "third"));
        assertThatThrownBy(() -> delivery.deliver(List.of(ClientFixtures.message(100, ClientFixtures.rcpt(1))),
                DeliveryPolicy.PARTIAL))
                .isInstanceOfSatisfying(SmtpTokenRefusedException.class, e ->
                        assertThat(e.getMessage()).contains("status 401").doesNotContain("first").doesNotContain("second"));
        assertThat(pool.active()).isZero();
        server.awaitNoOpenConnections(Duration.ofSeconds(1));
        // the second refused token was invalidated too: the next borrow fetches, and succeeds
        PooledDelivery.Result result = delivery.deliver(List.of(ClientFixtures.message(100, ClientFixtures.rcpt(2))),
                DeliveryPolicy.PARTIAL);
        assertThat(result.ledgers().get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(fetches).hasValue(3);
        assertThat(server.connectionCount()).isEqualTo(3);
    }
}
