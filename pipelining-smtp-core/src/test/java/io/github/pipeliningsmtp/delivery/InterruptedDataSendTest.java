package io.github.pipeliningsmtp.delivery;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An interrupt, or closing the pool, ends a DATA send in progress (issue 12, item 6): a 20 MB DATA
 * content to a server that reads 64 KiB per 100 ms. A blocking socket write ignores an interrupt, so
 * the connection's interrupt watch (or the pool's close) aborts the socket: the send returns within a
 * second, the message is FAILED (its end of data was never written), the slot is free and the server
 * sees the connection reset long before the content could have been read.
 */
class InterruptedDataSendTest {

    private static final int SIZE = 20 * 1024 * 1024;
    private static final long BOUND_MS = 1000;

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final CountDownLatch contentStarted = new CountDownLatch(1);
    private final CountDownLatch serverSawClose = new CountDownLatch(1);
    private final AtomicLong contentRead = new AtomicLong();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).isEmpty();
        server.close();
        assertThat(writerOrSendThreadsBusy()).as("no send or writer thread still writing").isFalse();
    }

    private void slowReader(ServerSession s, boolean pipelining) throws IOException, InterruptedException {
        if (pipelining) {
            ClientFixtures.greet(s, "250-mail.example.com", "250-PIPELINING", "250 8BITMIME");
        } else {
            ClientFixtures.greet(s, "250-mail.example.com", "250 8BITMIME");
        }
        assertThat(s.readLine()).startsWith("MAIL FROM:");
        if (!pipelining) {
            s.reply("250 2.1.0 Ok");
        }
        assertThat(s.readLine()).startsWith("RCPT TO:");
        if (!pipelining) {
            s.reply("250 2.1.5 Ok");
        }
        assertThat(s.readLine()).isEqualTo("DATA");
        if (pipelining) {
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 Go ahead");
        } else {
            s.reply("354 Go ahead");
        }
        try {
            while (true) {
                s.readExactly(64 * 1024);
                contentRead.addAndGet(64 * 1024);
                contentStarted.countDown();
                Thread.sleep(100);
            }
        } catch (IOException closed) {
            serverSawClose.countDown();
        }
    }

    private static OutgoingMessage big() {
        byte[] line = "0123456789 the quick brown fox jumps over the lazy dog 0123456789\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] content = new byte[SIZE];
        byte[] header = "Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(header, 0, content, 0, header.length);
        for (int i = header.length; i < SIZE - line.length; i += line.length) {
            System.arraycopy(line, 0, content, i, line.length);
        }
        Arrays.fill(content, SIZE - SIZE % line.length - line.length, SIZE - 2, (byte) 'x');
        content[SIZE - 2] = '\r';
        content[SIZE - 1] = '\n';
        return new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, "ann@example.net"), MessageContent.of(content));
    }

    private SmtpConnectionPool pool() {
        ConnectionSettings settings = ClientFixtures.settings(server).dataTimeout(Duration.ofSeconds(60)).build();
        return new SmtpConnectionPool(settings, PoolSettings.builder().maxConnections(1)
                .maxWait(Duration.ofSeconds(5)).build());
    }

    private void interruptedMidContent(boolean pipelining) throws Exception {
        server.enqueue(s -> slowReader(s, pipelining));
        OutgoingMessage message = big();
        try (SmtpConnectionPool pool = pool()) {
            BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS);
            Thread[] sender = new Thread[1];
            CompletableFuture<BatchDelivery.Outcome> sending = new CompletableFuture<>();
            sender[0] = new Thread(() -> {
                try {
                    sending.complete(delivery.deliver(List.of(message)));
                } catch (Throwable t) {
                    sending.completeExceptionally(t);
                }
            }, "interrupted-sender");
            sender[0].start();
            assertThat(contentStarted.await(10, TimeUnit.SECONDS)).as("content is streaming").isTrue();
            long t0 = System.nanoTime();
            sender[0].interrupt();
            BatchDelivery.Outcome outcome = sending.get(5, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("the send ends within a second of the interrupt").isLessThan(BOUND_MS);
            MessageLedger ledger = outcome.ledgers().get(0);
            // the end of data was never written: FAILED, not UNKNOWN, not SUCCEEDED
            assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledger.recipients().get(0).error().orElseThrow().toString()).contains("interrupted");
            assertThat(pool.active()).isZero();
            assertThat(serverSawClose.await(1, TimeUnit.SECONDS)).as("the server sees the socket closed").isTrue();
            assertThat(contentRead.get()).isLessThan(SIZE / 2);
            sender[0].join(1000);
            assertThat(sender[0].isAlive()).isFalse();
            delivery.close();
        }
    }

    @Test
    void anInterruptEndsAPipelinedDataSendWithinASecond() throws Exception {
        interruptedMidContent(true);
    }

    @Test
    void anInterruptEndsADataSendWithoutPipeliningWithinASecond() throws Exception {
        interruptedMidContent(false);
    }

    @Test
    void closingThePoolEndsADataSendInProgress() throws Exception {
        server.enqueue(s -> slowReader(s, true));
        OutgoingMessage message = big();
        SmtpConnectionPool pool = pool();
        BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS);
        CompletableFuture<BatchDelivery.Outcome> sending = CompletableFuture.supplyAsync(
                () -> delivery.deliver(List.of(message)));
        assertThat(contentStarted.await(10, TimeUnit.SECONDS)).as("content is streaming").isTrue();
        long t0 = System.nanoTime();
        Duration drain = Duration.ofMillis(200);
        delivery.close();
        pool.close(drain);
        BatchDelivery.Outcome outcome = sending.get(5, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("the send ends within a second after the drain time").isLessThan(drain.toMillis() + BOUND_MS);
        MessageLedger ledger = outcome.ledgers().get(0);
        assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(ledger.recipients().get(0).error().orElseThrow().toString()).contains("pool was closed");
        assertThat(pool.active()).isZero();
        assertThat(serverSawClose.await(1, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aSlowButProgressingWriteIsBoundedByTheEndOfDataDeadline() throws Exception {
        server.enqueue(s -> slowReader(s, true));
        Duration dataTimeout = Duration.ofMillis(1500);
        ConnectionSettings settings = ClientFixtures.settings(server).dataTimeout(dataTimeout).build();
        try (SmtpConnectionPool pool = new SmtpConnectionPool(settings, PoolSettings.builder().maxConnections(1).build())) {
            BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS);
            long t0 = System.nanoTime();
            BatchDelivery.Outcome outcome = delivery.deliver(List.of(big()));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isBetween(dataTimeout.toMillis() - 100, dataTimeout.toMillis() + BOUND_MS);
            MessageLedger ledger = outcome.ledgers().get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledger.recipients().get(0).error().orElseThrow().toString()).contains("end-of-data deadline");
            assertThat(pool.active()).isZero();
            assertThat(serverSawClose.await(2, TimeUnit.SECONDS)).isTrue();
            delivery.close();
        }
    }

    @Test
    void anInterruptAfterTheEndOfDataWasWrittenLeavesTheMessageUnknown() throws Exception {
        CountDownLatch endOfDataRead = new CountDownLatch(1);
        server.enqueue(s -> {
            ClientFixtures.greet(s, "250-mail.example.com", "250-PIPELINING", "250 8BITMIME");
            s.readLine();
            s.readLine();
            s.readLine();
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 Go ahead");
            s.readData();
            endOfDataRead.countDown();
            s.stallUntilClientCloses(); // the end-of-data reply never comes
        });
        try (SmtpConnectionPool pool = pool()) {
            BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS);
            CompletableFuture<BatchDelivery.Outcome> sending = new CompletableFuture<>();
            Thread sender = new Thread(() -> sending.complete(
                    delivery.deliver(List.of(ClientFixtures.message(2000, "ann@example.net")))), "interrupted-sender");
            sender.start();
            assertThat(endOfDataRead.await(5, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            sender.interrupt();
            BatchDelivery.Outcome outcome = sending.get(5, TimeUnit.SECONDS);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(BOUND_MS);
            assertThat(outcome.ledgers().get(0).status()).isEqualTo(MessageStatus.UNKNOWN);
            assertThat(pool.active()).isZero();
            sender.join(1000);
            delivery.close();
        }
    }

    /** Whether a writer or send thread is still writing or delivering after 2 s of looking every 50 ms. */
    private static boolean writerOrSendThreadsBusy() {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !busyNow());
            return false;
        } catch (ConditionTimeoutException stillBusy) {
            return true;
        }
    }

    private static boolean busyNow() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("smtp-pipelining-writer")
                        || e.getKey().getName().startsWith("smtp-pipelining-send")
                        || e.getKey().getName().equals("interrupted-sender"))
                .anyMatch(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().contains("write")
                        || f.getMethodName().contains("deliver")));
    }
}
