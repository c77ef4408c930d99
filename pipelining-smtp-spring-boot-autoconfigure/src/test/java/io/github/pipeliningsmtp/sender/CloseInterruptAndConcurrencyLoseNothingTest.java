package io.github.pipeliningsmtp.sender;

import org.awaitility.Awaitility;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.SendingOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailSendException;

/**
 * The pooled sender under its lifecycle and concurrency faults: closed while another thread
 * sends, interrupted threads, 64 threads against a server that randomly says 421 and closes
 * (421 mid-group, pool slot leak and shared-sender interleaving together: docs/fault-kinds.md#service-closing-mid-group,
 * docs/fault-kinds.md#pool-slot-leak, docs/fault-kinds.md#shared-sender-interleaving), and the report's totals. Requirements: every recipient ends
 * SUCCEEDED, FAILED or UNKNOWN; FAILED is never stored; SUCCEEDED is stored exactly once; no pool
 * slot leaks (active 0 at the end); nothing hangs past its timeout.
 */
class CloseInterruptAndConcurrencyLoseNothingTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final List<PipelinedMailSender> senders = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (PipelinedMailSender s : senders) {
            s.close();
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    private PipelinedMailSender sender(ConnectionSettings settings, int max, Duration maxWait, Duration shutdown) {
        return sender(settings, SendingOptions.DEFAULTS, max, maxWait, shutdown);
    }

    private PipelinedMailSender sender(ConnectionSettings settings, SendingOptions options, int max, Duration maxWait,
                                       Duration shutdown) {
        PoolSettings pool = PoolSettings.builder().maxConnections(max).maxWait(maxWait).build();
        PipelinedMailSender s = new PipelinedMailSender(new SmtpConnectionPool(settings, options, pool,
                SmtpListener.NONE), "UTF-8",
                DeliveryPolicy.PARTIAL, shutdown);
        senders.add(s);
        return s;
    }

    private static MimeMessage message(PipelinedMailSender sender, String id, String... to) throws Exception {
        MimeMessage m = sender.createMimeMessage();
        m.setFrom("sender@example.com");
        Address[] addresses = new Address[to.length];
        for (int i = 0; i < to.length; i++) {
            addresses[i] = new InternetAddress(to[i]);
        }
        m.setRecipients(Message.RecipientType.TO, addresses);
        m.setSubject("case " + id);
        m.setHeader("X-Case-Id", id);
        m.setText("case " + id + "\r\n");
        return m;
    }

    private static long total(SendReport r) {
        return r.succeeded() + r.failed() + r.unknown();
    }

    /** The server holds the end-of-data reply; the sender is closed meanwhile. */
    @Test
    void closedWhileAnotherThreadSends() throws Exception {
        CountDownLatch inData = new CountDownLatch(1);
        server.setDefaultScript(StandardSession.builder().endOfDataReply((s, content) -> {
            inData.countDown();
            Thread.sleep(2000);
            return null;
        }).build());
        Duration shutdown = Duration.ofMillis(500);
        PipelinedMailSender sender = sender(ClientFixtures.settings(server).build(), 2, Duration.ofSeconds(2), shutdown);
        MimeMessage m = message(sender, "1", "rcpt-1@example.net");
        ExecutorService ex = Executors.newSingleThreadExecutor();
        Future<SendReport> sending = ex.submit(() -> sender.sendAndReport(m));
        assertThat(inData.await(5, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        sender.close();
        long closeMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(closeMs).as("close() bounded by the shutdown timeout").isLessThan(shutdown.toMillis() + 1000);
        SendReport report = sending.get(12, TimeUnit.SECONDS); // data timeout 10 s: never a hang
        ex.shutdown();
        RecipientStatus status = report.entries().get(0).ledger().recipients().get(0).status();
        assertThat(status).isIn(RecipientStatus.SUCCEEDED, RecipientStatus.FAILED, RecipientStatus.UNKNOWN);
        if (status == RecipientStatus.SUCCEEDED) {
            assertThat(server.messages()).hasSize(1);
        }
        if (status == RecipientStatus.FAILED) {
            assertThat(server.messages()).isEmpty();
        }
        assertThat(sender.pool().active()).isZero();
    }

    /** After close(), a batch (spread over several workers) fails as a MailSendException, not anything else. */
    @Test
    void aBatchSentAfterCloseFailsAsAMailSendException() throws Exception {
        server.setDefaultScript(new StandardSession());
        PipelinedMailSender sender = sender(ClientFixtures.settings(server).build(), 4, Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        MimeMessage[] batch = new MimeMessage[4];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = message(sender, "b" + i, "rcpt-" + i + "@example.net");
        }
        sender.close();
        assertThatThrownBy(() -> sender.send(batch)).isInstanceOf(MailSendException.class);
        assertThat(server.messages()).isEmpty();
    }

    /** A thread waiting (in the shared queue) for the only connection is interrupted: it gives up at once and leaks nothing. */
    @Test
    void interruptedWhileWaitingForAPoolSlot() throws Exception {
        CountDownLatch inData = new CountDownLatch(1);
        server.setDefaultScript(StandardSession.builder().endOfDataReply((s, content) -> {
            if (content.contains("X-Case-Id: slow")) {
                inData.countDown();
                Thread.sleep(1500);
            }
            return null;
        }).build());
        PipelinedMailSender sender = sender(ClientFixtures.settings(server).build(), 1, Duration.ofSeconds(10),
                Duration.ofSeconds(2));
        ExecutorService ex = Executors.newFixedThreadPool(2);
        Future<SendReport> slow = ex.submit(() -> sender.sendAndReport(message(sender, "slow", "rcpt-1@example.net")));
        assertThat(inData.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Thread> waiter = new AtomicReference<>();
        Future<SendReport> waiting = ex.submit(() -> {
            waiter.set(Thread.currentThread());
            return sender.sendAndReport(message(sender, "waiting", "rcpt-2@example.net"));
        });
        awaitCondition(() -> sender.load().queued() >= 1); // the waiter waits in the shared queue for the only connection
        long t0 = System.nanoTime();
        waiter.get().interrupt();
        SendReport w = waiting.get(5, TimeUnit.SECONDS);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("gave up promptly").isLessThan(1000);
        assertThat(w.entries().get(0).ledger().recipients()).extracting(RecipientResult::status)
                .containsOnly(RecipientStatus.FAILED);
        assertThat(slow.get(5, TimeUnit.SECONDS).allSucceeded()).isTrue();
        ex.shutdown();
        assertThat(sender.pool().active()).isZero();
        // the only slot is still usable
        assertThat(sender.sendAndReport(message(sender, "after", "rcpt-3@example.net")).allSucceeded()).isTrue();
        assertThat(sender.pool().active()).isZero();
        assertThat(server.messages()).extracting(m -> m.header("X-Case-Id").orElse("?"))
                .containsExactlyInAnyOrder("slow", "after");
    }

    /** A thread interrupted while its BDAT content streams to a slow server: no slot leaked, no false success. */
    @Test
    void interruptedWhileStreamingBdatContent() throws Exception {
        CountDownLatch streaming = new CountDownLatch(1);
        server.setDefaultScript(s -> {
            ClientFixtures.greet(s, "250-mail.example.com", "250-PIPELINING", "250-CHUNKING", "250 8BITMIME");
            List<String> rcpts = new ArrayList<>();
            for (String line = s.readLine(); line != null; line = s.readLine()) {
                if (line.startsWith("MAIL")) {
                    rcpts.clear();
                    s.reply("250 2.1.0 Ok");
                } else if (line.startsWith("RCPT")) {
                    rcpts.add(line);
                    s.reply("250 2.1.5 Ok");
                } else if (line.startsWith("BDAT")) {
                    streaming.countDown();
                    String[] p = line.split(" ");
                    s.readExactly(Integer.parseInt(p[1]));
                    Thread.sleep(30);
                    if (p.length > 2) {
                        s.store("sender@example.com", List.of("rcpt-1@example.net"), new byte[0]);
                    }
                    s.reply("250 2.0.0 ok");
                } else if (line.equals("QUIT")) {
                    s.reply("221 bye");
                    s.closeFin();
                    return;
                } else {
                    s.reply("250 ok");
                }
            }
        });
        PipelinedMailSender sender = sender(ClientFixtures.settings(server).build(),
                SendingOptions.builder().chunkSize(512).build(), 1, Duration.ofSeconds(3), Duration.ofSeconds(2));
        MimeMessage big = message(sender, "big", "rcpt-1@example.net");
        big.setText("line of text that is long enough to fill the chunks quickly enough\r\n".repeat(3000));
        AtomicReference<Thread> thread = new AtomicReference<>();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        Future<SendReport> f = ex.submit(() -> {
            thread.set(Thread.currentThread());
            try {
                return sender.sendAndReport(big);
            } finally {
                Thread.interrupted();
            }
        });
        assertThat(streaming.await(5, TimeUnit.SECONDS)).as("BDAT content is streaming").isTrue();
        thread.get().interrupt();
        SendReport report = f.get(5, TimeUnit.SECONDS);
        ex.shutdown();
        RecipientStatus status = report.entries().get(0).ledger().recipients().get(0).status();
        assertThat(status).isIn(RecipientStatus.SUCCEEDED, RecipientStatus.FAILED, RecipientStatus.UNKNOWN);
        if (status == RecipientStatus.SUCCEEDED) {
            assertThat(server.messages()).hasSize(1);
        } else if (status == RecipientStatus.FAILED) {
            assertThat(server.messages()).isEmpty();
        }
        assertThat(sender.pool().active()).isZero();
        assertThat(sender.sendAndReport(message(sender, "after", "rcpt-2@example.net")).allSucceeded()).isTrue();
        assertThat(sender.pool().active()).isZero();
    }

    /**
     * A server that takes the envelope and then reads the DATA content 64 KiB per 100 ms; counts down
     * {@code contentStarted} on the first content read and {@code closed} when the client's socket goes.
     */
    private void slowDataReader(CountDownLatch contentStarted, CountDownLatch closed) {
        server.setDefaultScript(s -> {
            ClientFixtures.greet(s, "250-mail.example.com", "250-PIPELINING", "250 8BITMIME");
            s.readLine();
            s.readLine();
            s.readLine();
            s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 Go ahead");
            try {
                while (true) {
                    s.readExactly(64 * 1024);
                    contentStarted.countDown();
                    Thread.sleep(100);
                }
            } catch (java.io.IOException gone) {
                closed.countDown();
            }
        });
    }

    private static MimeMessage twentyMegabytes(PipelinedMailSender sender) throws Exception {
        MimeMessage big = message(sender, "big", "rcpt-1@example.net");
        big.setText("0123456789 the quick brown fox jumps over the lazy dog 0123456789\r\n".repeat(20 * 1024 * 1024 / 67));
        return big;
    }

    /** A thread interrupted while its 20 MB DATA content streams to a slow server: back within a second, nothing leaked. */
    @Test
    void interruptedWhileStreamingDataContent() throws Exception {
        CountDownLatch contentStarted = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        slowDataReader(contentStarted, closed);
        PipelinedMailSender sender = sender(ClientFixtures.settings(server).build(), 1, Duration.ofSeconds(3),
                Duration.ofSeconds(2));
        MimeMessage big = twentyMegabytes(sender);
        AtomicReference<Thread> thread = new AtomicReference<>();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        Future<SendReport> f = ex.submit(() -> {
            thread.set(Thread.currentThread());
            try {
                return sender.sendAndReport(big);
            } finally {
                Thread.interrupted();
            }
        });
        assertThat(contentStarted.await(10, TimeUnit.SECONDS)).as("DATA content is streaming").isTrue();
        long t0 = System.nanoTime();
        thread.get().interrupt();
        SendReport report = f.get(5, TimeUnit.SECONDS);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("the interrupt is honoured within a second").isLessThan(1000);
        ex.shutdown();
        // the end of data was never written: FAILED, never stored
        assertThat(report.entries().get(0).ledger().recipients()).extracting(RecipientResult::status)
                .containsOnly(RecipientStatus.FAILED);
        assertThat(server.messages()).isEmpty();
        assertThat(sender.pool().active()).isZero();
        assertThat(closed.await(1, TimeUnit.SECONDS)).as("the server sees the socket closed").isTrue();
    }

    /** The sender is closed while a 20 MB DATA content streams: the send ends within a second of the drain time. */
    @Test
    void closedWhileStreamingDataContent() throws Exception {
        CountDownLatch contentStarted = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        slowDataReader(contentStarted, closed);
        Duration shutdown = Duration.ofMillis(300);
        PipelinedMailSender sender = sender(ClientFixtures.settings(server).build(), 1, Duration.ofSeconds(3), shutdown);
        MimeMessage big = twentyMegabytes(sender);
        ExecutorService ex = Executors.newSingleThreadExecutor();
        Future<SendReport> f = ex.submit(() -> sender.sendAndReport(big));
        assertThat(contentStarted.await(10, TimeUnit.SECONDS)).as("DATA content is streaming").isTrue();
        long t0 = System.nanoTime();
        sender.close();
        SendReport report = f.get(5, TimeUnit.SECONDS);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("close() ends the send").isLessThan(shutdown.toMillis() + 1000);
        ex.shutdown();
        assertThat(report.entries().get(0).ledger().recipients()).extracting(RecipientResult::status)
                .containsOnly(RecipientStatus.FAILED);
        assertThat(server.messages()).isEmpty();
        assertThat(sender.pool().active()).isZero();
        assertThat(closed.await(1, TimeUnit.SECONDS)).as("the server sees the socket closed").isTrue();
    }

    /** 64 threads share one sender; the server answers 421 and closes at random points. */
    @Test
    void sixtyFourThreadsAgainstAServerThatRandomlySays421AndCloses() throws Exception {
        server.setDefaultScript(StandardSession.builder()
                .commandHook((s, line) -> {
                    String verb = line.split("[ :]")[0];
                    if ((verb.equals("MAIL") || verb.equals("RCPT") || verb.equals("DATA"))
                            && ThreadLocalRandom.current().nextInt(100) < 4) {
                        s.reply("421 4.3.2 Service shutting down");
                        s.closeFin();
                        return List.of();
                    }
                    return null;
                })
                .endOfDataReply((s, content) -> ThreadLocalRandom.current().nextInt(100) < 3
                        ? List.of("421 4.3.0 Try again later") : null)
                .build());
        PipelinedMailSender sender = sender(ClientFixtures.settings(server).commandTimeout(Duration.ofSeconds(3))
                .build(), 4, Duration.ofSeconds(30), Duration.ofSeconds(2));
        int threads = 64;
        int perThread = 6;
        Map<String, RecipientStatus> outcome = new ConcurrentHashMap<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> totalsMismatch = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            fs.add(ex.submit(() -> {
                try {
                    for (int k = 0; k < perThread; k += 2) { // batches of two messages
                        String a = "t" + thread + "m" + k;
                        String b = "t" + thread + "m" + (k + 1);
                        SendReport r = sender.sendAndReport(message(sender, a, a + "@example.net"),
                                message(sender, b, b + "-x@example.net", b + "-y@example.net"));
                        if (total(r) != 3) {
                            totalsMismatch.add(r.summary());
                        }
                        for (SendReport.Entry e : r.entries()) {
                            for (RecipientResult rr : e.ledger().recipients()) {
                                outcome.put(rr.address(), rr.status());
                            }
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get(120, TimeUnit.SECONDS);
        }
        ex.shutdown();
        assertThat(errors).isEmpty();
        assertThat(totalsMismatch).as("report totals equal the recipients passed in").isEmpty();
        assertThat(outcome).hasSize(threads * perThread / 2 * 3);
        Map<String, Long> stored = server.messages().stream().flatMap(m -> m.recipients().stream())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        for (Map.Entry<String, RecipientStatus> e : outcome.entrySet()) {
            long n = stored.getOrDefault(e.getKey(), 0L);
            switch (e.getValue()) {
                case SUCCEEDED -> assertThat(n).as("%s SUCCEEDED stored once", e.getKey()).isEqualTo(1);
                case FAILED -> assertThat(n).as("%s FAILED never stored", e.getKey()).isZero();
                case UNKNOWN -> assertThat(n).as("%s UNKNOWN at most once", e.getKey()).isLessThanOrEqualTo(1);
                default -> throw new AssertionError(e.getKey() + " ended " + e.getValue());
            }
        }
        assertThat(stored.values()).allMatch(n -> n == 1);
        assertThat(outcome.values()).contains(RecipientStatus.SUCCEEDED);
        assertThat(sender.pool().active()).as("no leaked slot").isZero();
        for (StoredMessage m : server.messages()) {
            String id = m.header("X-Case-Id").orElseThrow();
            assertThat(m.recipients()).allMatch(r -> r.startsWith(id));
        }
    }

    /** Totals equal the recipients passed in, also when one message of the batch cannot be prepared
     * (README, The ledger: every recipient of every message ends in exactly one of succeeded / failed / unknown). */
    @Test
    void reportTotalsEqualTheRecipientsPassedInEvenWithAnUnpreparableMessage() throws Exception {
        server.setDefaultScript(new StandardSession());
        PipelinedMailSender sender = sender(ClientFixtures.settings(server).build(), 2, Duration.ofSeconds(2),
                Duration.ofSeconds(1));
        MimeMessage good = message(sender, "good", "rcpt-1@example.net", "rcpt-2@example.net");
        // parses fine and has two recipients, but no From and no mail.smtp.from: cannot be prepared
        MimeMessage bad = message(sender, "bad", "rcpt-3@example.net", "rcpt-4@example.net");
        bad.removeHeader("From");
        int passedIn = good.getAllRecipients().length + bad.getAllRecipients().length;
        SendReport report = sender.sendAndReport(good, bad);
        assertThat(report.entries().get(0).succeeded()).isTrue();
        assertThat(report.entries().get(1).succeeded()).as("%s", report.entries().get(1)).isFalse();
        assertThat(total(report)).as("%s for %d recipients passed in", report.summary(), passedIn)
                .isEqualTo(passedIn);
    }

    /** Polls a condition with a 5 s deadline (a state change with no event to wait on). */
    private static void awaitCondition(java.util.function.BooleanSupplier condition) {
        Awaitility.await("condition within 5 s").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                .until(condition::getAsBoolean);
    }
}
