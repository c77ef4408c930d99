package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.delivery.PooledDelivery;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testing.StandardSession;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stale pooled connection (docs/fault-kinds.md#stale-pooled-connection): a pooled connection the server dropped while idle (FIN, RST, or a
 * 451 on its first command then FIN) is replaced and the message delivered exactly once; a
 * connection the server closes after a few messages never loses or doubles one.
 */
class StaleConnectionTest {

    private final ScriptedSmtpServer server = start();
    private SmtpConnectionPool pool;

    private static ScriptedSmtpServer start() {
        try {
            return ScriptedSmtpServer.start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        pool.close(Duration.ofSeconds(1));
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.close();
    }

    private PooledDelivery delivery(int maxConnections) {
        ConnectionSettings settings = ConnectionSettings.builder("mail.example.com", server.port())
                .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                .commandTimeout(Duration.ofSeconds(5)).ehloName("client.example.org").build();
        pool = new SmtpConnectionPool(settings, PoolSettings.builder().maxConnections(maxConnections)
                .maxIdleTime(Duration.ofSeconds(120)).build());
        return new PooledDelivery(pool);
    }

    private static OutgoingMessage message(int i) {
        return new OutgoingMessage(Envelope.of("sender@example.com", "rcpt-" + i + "@example.net"),
                MessageContent.of(("Subject: m" + i + "\r\nX-Seq: " + i + "\r\n\r\nbody " + i + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
    }

    /** Serves one message normally, then waits for the test's signal and drops the idle connection. */
    private static void oneMessageThenDrop(ServerSession s, String how, CountDownLatch drop) throws Exception {
        StandardSession first = StandardSession.builder()
                .endOfDataReply((session, content) -> null)
                .build();
        s.reply("220 mail.example.com ESMTP test");
        String ehlo = s.readLine();
        s.reply(first.ehloReply());
        for (String expected : List.of("MAIL", "RCPT", "DATA")) {
            String line = s.readLine();
            assertThat(line).startsWith(expected);
            s.reply(expected.equals("DATA") ? "354 go" : "250 Ok");
        }
        s.store("sender@example.com", List.of("rcpt-1@example.net"), s.readData());
        s.reply("250 2.0.0 Ok: queued as S1");
        assertThat(drop.await(5, TimeUnit.SECONDS)).isTrue();
        switch (how) {
            case "FIN" -> s.closeFin();
            case "RST" -> s.closeRst();
            default -> {
                s.readLine();
                s.reply("451 4.4.2 Timeout waiting for data from client.");
                s.closeFin();
            }
        }
        assertThat(ehlo).startsWith("EHLO");
    }

    @ParameterizedTest
    @ValueSource(strings = {"FIN", "RST", "451"})
    void aDroppedIdleConnectionIsReplacedAndTheMessageDeliveredOnce(String how) throws Exception {
        CountDownLatch drop = new CountDownLatch(1);
        server.enqueue(s -> oneMessageThenDrop(s, how, drop));
        PooledDelivery delivery = delivery(1);
        assertThat(delivery.deliver(List.of(message(1)), DeliveryPolicy.PARTIAL).ledgers().get(0).status())
                .isEqualTo(MessageStatus.SUCCEEDED);
        drop.countDown();
        assertThat(delivery.deliver(List.of(message(2)), DeliveryPolicy.PARTIAL).ledgers().get(0).status())
                .isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(delivery.deliver(List.of(message(3)), DeliveryPolicy.PARTIAL).ledgers().get(0).status())
                .isEqualTo(MessageStatus.SUCCEEDED);
        List<String> seqs = server.messages().stream().map(m -> m.header("X-Seq").orElseThrow()).toList();
        assertThat(seqs).containsExactly("1", "2", "3");
        assertThat(server.connectionCount()).isEqualTo(2);
        assertThat(pool.active()).isZero();
    }

    @Test
    void aServerThatClosesEveryConnectionAfterThreeMessagesLosesNothingAndDoublesNothing() throws Exception {
        server.setDefaultScript(s -> {
            int[] served = {0};
            StandardSession.builder().endOfDataReply((session, content) -> {
                served[0]++;
                return null;
            }).commandHook((session, line) -> {
                if (served[0] >= 3 && line.startsWith("MAIL")) {
                    session.closeFin();
                    return List.of();
                }
                return null;
            }).build().run(s);
        });
        PooledDelivery delivery = delivery(1);
        for (int i = 1; i <= 10; i++) {
            assertThat(delivery.deliver(List.of(message(i)), DeliveryPolicy.PARTIAL).ledgers().get(0).status())
                    .as("message %d", i).isEqualTo(MessageStatus.SUCCEEDED);
        }
        List<String> seqs = server.messages().stream().map(m -> m.header("X-Seq").orElseThrow()).toList();
        assertThat(seqs).containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
    }

    @Test
    void messagesNotYetStartedWhenTheConnectionBrokeAreSentOnceOnANewConnection() throws Exception {
        // message 3's envelope travelled behind message 2's content, so it was started: reported, not resent;
        // message 4 never left the client: sent once on a new connection
        server.enqueue(s -> StandardSession.builder().endOfDataReply((session, content) ->
                content.contains("X-Seq: 2") ? List.of("421 4.3.2 Shutting down") : null).build().run(s));
        PooledDelivery delivery = delivery(1);
        List<OutgoingMessage> batch = List.of(message(1), message(2), message(3), message(4));
        PooledDelivery.Result result = delivery.deliver(batch, DeliveryPolicy.PARTIAL);
        assertThat(result.ledgers()).extracting(l -> l.status()).containsExactly(MessageStatus.SUCCEEDED,
                MessageStatus.FAILED, MessageStatus.FAILED, MessageStatus.SUCCEEDED);
        assertThat(result.ledgers().get(1).recipients().get(0).error().orElseThrow().code()).isEqualTo(421);
        assertThat(result.ledgers().get(2).started()).isTrue();
        assertThat(result.ledgers().get(2).contentCommitted()).isFalse();
        assertThat(result.ledgers().get(2).recipients().get(0).error().orElseThrow().type())
                .isEqualTo(io.github.pipeliningsmtp.client.FailureType.TRANSIENT);
        List<String> seqs = server.messages().stream().map(m -> m.header("X-Seq").orElseThrow()).toList();
        assertThat(seqs).containsExactly("1", "4");
    }
}
