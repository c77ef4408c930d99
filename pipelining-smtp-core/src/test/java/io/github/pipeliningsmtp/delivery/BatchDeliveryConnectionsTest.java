package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch borrows only the connections it needs: one per ten messages, at most the pool's size. */
class BatchDeliveryConnectionsTest {

    @Test
    void connectionsGrowWithTheBatchUpToThePoolsSize() {
        assertThat(BatchDelivery.connectionsFor(1, 4)).isEqualTo(1);
        assertThat(BatchDelivery.connectionsFor(10, 4)).isEqualTo(1);
        assertThat(BatchDelivery.connectionsFor(11, 4)).isEqualTo(2);
        assertThat(BatchDelivery.connectionsFor(40, 4)).isEqualTo(4);
        assertThat(BatchDelivery.connectionsFor(1000, 4)).isEqualTo(4);
        assertThat(BatchDelivery.connectionsFor(1000, 1)).isEqualTo(1);
    }

    @Test
    void aSmallBatchUsesOneConnectionOfAPoolOfFour() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            ConnectionSettings settings = ConnectionSettings.builder("mail.example.com", server.port())
                    .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                    .ehloName("client.example.org").build();
            SmtpConnectionPool pool = new SmtpConnectionPool(settings,
                    PoolSettings.builder().maxConnections(4).maxWait(Duration.ofSeconds(2)).build());
            try (BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
                List<OutgoingMessage> batch = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    String content = "From: s@example.com\r\nSubject: " + i + "\r\n\r\nbody " + i + "\r\n";
                    batch.add(new OutgoingMessage(Envelope.of("s@example.com", "r" + i + "@example.net"),
                            MessageContent.of(content.getBytes(StandardCharsets.US_ASCII))));
                }
                BatchDelivery.Outcome outcome = delivery.deliver(batch);
                assertThat(outcome.ledgers()).extracting(l -> l.status()).containsOnly(MessageStatus.SUCCEEDED);
                assertThat(server.connectionCount()).isEqualTo(1);
            } finally {
                pool.close(Duration.ofSeconds(2));
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(2));
        }
    }
}
