package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.delivery.PooledDelivery;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.testing.ChunkingSession;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stale pooled connection (docs/fault-kinds.md#stale-pooled-connection) with CHUNKING: BDAT streams content before replies are read, so on a reused connection that
 * sat idle the first envelope goes alone; a server that dropped the connection (FIN, RST, or 451
 * then FIN) is detected before any content, and the messages are delivered exactly once on a new
 * connection instead of ending UNKNOWN.
 */
class StaleChunkingConnectionTest {

    private static OutgoingMessage message(int i) {
        return new OutgoingMessage(Envelope.of("sender@example.com", "rcpt-" + i + "@example.net"),
                MessageContent.of(("Subject: m" + i + "\r\nX-Seq: " + i + "\r\n\r\nbody " + i + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"FIN", "RST", "451"})
    void aDroppedIdleChunkingConnectionIsReplacedBeforeAnyContent(String how) throws Exception {
        CountDownLatch drop = new CountDownLatch(1);
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            int[] messages = {0};
            server.enqueue(s -> new ChunkingSession((session, sender) -> {
                if (++messages[0] == 2) {
                    // the second envelope on this connection: the server had dropped it while idle
                    assertThat(drop.await(5, TimeUnit.SECONDS)).isTrue();
                    switch (how) {
                        case "FIN" -> session.closeFin();
                        case "RST" -> session.closeRst();
                        default -> {
                            session.reply("451 4.4.2 Timeout waiting for data from client.");
                            session.closeFin();
                        }
                    }
                    return List.of();
                }
                return null;
            }, null).run(s));
            server.setDefaultScript(new ChunkingSession(null));
            ConnectionSettings settings = ConnectionSettings.builder("mail.example.com", server.port())
                    .resolver(h -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                    .ehloName("client.example.org").commandTimeout(Duration.ofSeconds(5))
                    .idleCheckAfter(Duration.ZERO).build();
            SmtpConnectionPool pool = new SmtpConnectionPool(settings, PoolSettings.builder().maxConnections(1).build());
            try {
                PooledDelivery delivery = new PooledDelivery(pool);
                assertThat(delivery.deliver(List.of(message(1)), DeliveryPolicy.PARTIAL).ledgers().get(0).status())
                        .isEqualTo(MessageStatus.SUCCEEDED);
                drop.countDown();
                List<MessageStatus> statuses = delivery.deliver(List.of(message(2), message(3)), DeliveryPolicy.PARTIAL)
                        .ledgers().stream().map(l -> l.status()).toList();
                assertThat(statuses).containsExactly(MessageStatus.SUCCEEDED, MessageStatus.SUCCEEDED);
                assertThat(pool.active()).isZero();
            } finally {
                pool.close(Duration.ofSeconds(2));
            }
            List<String> seqs = server.messages().stream().map(m -> m.header("X-Seq").orElseThrow()).toList();
            assertThat(seqs).containsExactly("1", "2", "3");
            assertThat(server.connectionCount()).isEqualTo(2);
        }
    }
}
