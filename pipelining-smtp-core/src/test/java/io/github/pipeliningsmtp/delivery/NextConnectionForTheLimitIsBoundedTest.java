package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A send that fills a connection up to {@code max-messages-per-connection} goes on with the rest on
 * the next connection; waiting for that connection is bounded like any borrow: when the pool has
 * none within {@code pool.max-wait} (another holder took the only one), or the sending thread was
 * interrupted meanwhile, what is on the first connection keeps its ledger (SUCCEEDED) and the rest
 * is FAILED, not sent; the call returns, every connection goes back to the pool, and the first
 * session carried no more MAIL FROM commands than the limit.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NextConnectionForTheLimitIsBoundedTest {

    private static final int LIMIT = 2;

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    private SmtpConnectionPool pool(boolean chunking) {
        server.setDefaultScript(StandardSession.builder().chunking(chunking).build());
        return new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                SendingOptions.builder().chunking(chunking).build(),
                PoolSettings.builder().maxConnections(1).maxMessagesPerConnection(LIMIT)
                        .maxWait(Duration.ofMillis(200)).build(),
                SmtpListener.NONE);
    }

    private static List<OutgoingMessage> messages(int n) {
        List<OutgoingMessage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ClientFixtures.message("sender-" + i + "@example.com", 100, "rcpt-" + i + "@example.net"));
        }
        return out;
    }

    /** The pool's connections; after the first release, {@code afterFirstRelease} runs. */
    private static PooledDelivery.Connections connections(SmtpConnectionPool pool, Runnable afterFirstRelease,
                                                          List<SmtpConnection> borrowed) {
        return new PooledDelivery.Connections() {
            private int released;

            @Override
            public SmtpConnection borrow() throws IOException {
                SmtpConnection c = pool.borrow();
                borrowed.add(c);
                return c;
            }

            @Override
            public void release(SmtpConnection connection) {
                pool.release(connection);
                if (++released == 1) {
                    afterFirstRelease.run();
                }
            }

            @Override
            public boolean stopped() {
                return Thread.currentThread().isInterrupted();
            }
        };
    }

    @ParameterizedTest(name = "BDAT {0}")
    @ValueSource(booleans = {false, true})
    void theRestIsNotSentWhenNoConnectionComesWithinMaxWait(boolean chunking) throws Exception {
        List<SmtpConnection> borrowed = new ArrayList<>();
        List<SmtpConnection> other = new ArrayList<>();
        try (SmtpConnectionPool pool = pool(chunking)) {
            PooledDelivery delivery = new PooledDelivery(pool);
            PooledDelivery.Result result = delivery.deliver(messages(3), DeliveryPolicy.PARTIAL,
                    connections(pool, () -> {
                        try {
                            other.add(pool.borrow()); // another holder takes the pool's only connection
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, borrowed));
            assertThat(result.ledgers()).extracting(MessageLedger::status)
                    .containsExactly(MessageStatus.SUCCEEDED, MessageStatus.SUCCEEDED, MessageStatus.FAILED);
            MessageLedger third = result.ledgers().get(2);
            assertThat(third.started()).isFalse();
            assertThat(third.recipients()).allMatch(r -> r.status() == RecipientStatus.FAILED);
            assertThat(borrowed).hasSize(1);
            pool.release(other.get(0));
            assertThat(pool.active()).isZero();
        }
        assertMailFromsWithinTheLimit(2);
    }

    @Test
    void anInterruptWhileTheFirstConnectionIsFullStartsNoOther() throws Exception {
        List<SmtpConnection> borrowed = new ArrayList<>();
        PooledDelivery.Result result;
        try (SmtpConnectionPool pool = pool(false)) {
            PooledDelivery delivery = new PooledDelivery(pool);
            try {
                result = delivery.deliver(messages(5), DeliveryPolicy.PARTIAL,
                        connections(pool, () -> Thread.currentThread().interrupt(), borrowed));
            } finally {
                assertThat(Thread.interrupted()).as("the interrupt stays set").isTrue();
            }
            assertThat(pool.active()).isZero();
        }
        assertThat(result.ledgers()).extracting(MessageLedger::status).containsExactly(MessageStatus.SUCCEEDED,
                MessageStatus.SUCCEEDED, MessageStatus.FAILED, MessageStatus.FAILED, MessageStatus.FAILED);
        assertThat(result.ledgers().subList(2, 5)).noneMatch(MessageLedger::started);
        assertThat(borrowed).hasSize(1);
        assertMailFromsWithinTheLimit(2);
    }

    private void assertMailFromsWithinTheLimit(int stored) throws InterruptedException {
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        assertThat(server.messages()).hasSize(stored);
        for (int c = 0; c < server.connectionCount(); c++) {
            long mails = server.commands(c).stream().map(RecordedCommand::line)
                    .filter(line -> line.startsWith("MAIL FROM")).count();
            assertThat(mails).as("MAIL FROM commands on connection %d", c).isLessThanOrEqualTo(LIMIT);
        }
    }
}
