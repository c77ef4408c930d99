package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A shared-flight send that filled its lane's connection up to {@code max-messages-per-connection}
 * goes on with the rest on the lane's next connection; while the lane waits for that connection
 * (another holder has the pool's only one), the caller is interrupted. The flight is the caller's
 * own, so the flight ends "within moments" (FlightDispatcher's class comment): the caller returns
 * long before {@code pool.max-wait} (20 s here) with the message already delivered SUCCEEDED and the
 * rest FAILED, not sent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InterruptWhileALaneWaitsForItsNextConnectionTest {

    private static final int LIMIT = 3;

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch letGo = new CountDownLatch(1);

    @AfterEach
    void tearDown() throws Exception {
        letGo.countDown();
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    private static OutgoingMessage message(int i) {
        return new OutgoingMessage(new Envelope("sender-" + i + "@example.com", List.of("r-" + i + "@example.net")),
                MessageContent.of(("Subject: m" + i + "\r\n\r\nbody " + i + "\r\n").getBytes(StandardCharsets.US_ASCII)));
    }

    private static List<OutgoingMessage> messages(int from, int n) {
        List<OutgoingMessage> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(message(i));
        }
        return out;
    }

    private static void await(BooleanSupplier condition) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(condition::getAsBoolean);
    }

    @Test
    void theInterruptedCallerReturnsWithoutWaitingForTheLanesNextConnection() throws Exception {
        // the end of data of message 2 (the first of the send) is answered once the test lets go
        server.setDefaultScript(StandardSession.builder().endOfDataReply((session, content) -> {
            if (content.contains("Subject: m2\r\n")) {
                holding.countDown();
                letGo.await(20, TimeUnit.SECONDS);
            }
            return null;
        }).build());
        try (SmtpConnectionPool pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                SendingOptions.builder().build(),
                PoolSettings.builder().maxConnections(1).maxMessagesPerConnection(LIMIT)
                        .maxWait(Duration.ofSeconds(20)).build(), SmtpListener.NONE);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            for (OutgoingMessage m : messages(0, 2)) {
                assertThat(delivery.deliver(List.of(m)).ledgers()).extracting(MessageLedger::status)
                        .containsOnly(MessageStatus.SUCCEEDED);
            }
            // the pool's connection has carried 2: the send of 3 puts 1 on it, 2 on the next connection
            CompletableFuture<List<MessageLedger>> send = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    send.complete(delivery.deliver(messages(2, 3)).ledgers());
                } catch (Throwable t) {
                    send.completeExceptionally(t);
                }
            }, "caller");
            caller.start();
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            // another holder waits for the pool's only connection, and gets the slot it leaves
            CompletableFuture<SmtpConnection> other = CompletableFuture.supplyAsync(() -> {
                try {
                    return pool.borrow();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            await(() -> pool.waiting() >= 1);
            letGo.countDown();
            SmtpConnection held = other.get(10, TimeUnit.SECONDS);
            await(() -> pool.waiting() >= 1); // the lane, for its next connection
            caller.interrupt();
            List<MessageLedger> ledgers;
            try {
                ledgers = send.get(5, TimeUnit.SECONDS);
            } finally {
                pool.release(held);
            }
            assertThat(ledgers).extracting(MessageLedger::status)
                    .containsExactly(MessageStatus.SUCCEEDED, MessageStatus.FAILED, MessageStatus.FAILED);
            assertThat(ledgers.subList(1, 3)).noneMatch(MessageLedger::started);
            caller.join(10_000);
            await(() -> pool.active() == 0);
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        assertThat(server.messages()).hasSize(3);
        for (int c = 0; c < server.connectionCount(); c++) {
            assertThat(server.commands(c).stream().map(RecordedCommand::line)
                    .filter(line -> line.startsWith("MAIL FROM")).count()).isLessThanOrEqualTo(LIMIT);
        }
    }
}
