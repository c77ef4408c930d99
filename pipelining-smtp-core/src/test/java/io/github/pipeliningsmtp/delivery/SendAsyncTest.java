package io.github.pipeliningsmtp.delivery;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link SmtpMailer#sendAsync} (issue 14, item 2) and the progress of a blocking batch (issue 15,
 * item 5): the caller's thread is never blocked, the future completes on the mailer's async executor
 * with the same report as a blocking send, cancellation removes a message only while nothing of it
 * is written, the bound on accepted calls is enforced, and progress reports come in order and add up.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SendAsyncTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final List<SmtpMailer> mailers = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        mailers.forEach(SmtpMailer::close);
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    private SmtpMailer mailer(int connections, int asyncThreads, int asyncMaxPending) {
        SmtpMailer m = SmtpMailer.builder(ClientFixtures.settings(server).build())
                .poolSettings(PoolSettings.builder().maxConnections(connections).maxWait(Duration.ofSeconds(10)).build())
                .async(asyncThreads, asyncMaxPending).shutdownTimeout(Duration.ofSeconds(2)).build();
        mailers.add(m);
        return m;
    }

    private static MimeMessage message(SmtpMailer mailer, String id) throws MessagingException {
        MimeMessage m = mailer.createMimeMessage();
        m.setFrom(new InternetAddress("sender@example.com"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(id + "@example.net"));
        m.setSubject(id);
        m.setHeader("X-Case-Id", id);
        m.setText("hello " + id);
        return m;
    }

    /** A server that holds the end of data of the message with {@code id} until {@code release}. */
    private void holding(String id, CountDownLatch inData, CountDownLatch release) {
        server.setDefaultScript(StandardSession.builder().endOfDataReply((s, content) -> {
            if (content.contains("X-Case-Id: " + id)) {
                inData.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
            return null;
        }).build());
    }

    private static void awaitCondition(BooleanSupplier condition) {
        Awaitility.await("condition within 5 s").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                .until(condition::getAsBoolean);
    }

    @Test
    void sendAsyncReturnsBeforeAnyIoAndCompletesOnTheAsyncExecutor() throws Exception {
        CountDownLatch greet = new CountDownLatch(1);
        server.setDefaultScript(s -> {
            greet.await(10, TimeUnit.SECONDS);
            new StandardSession().run(s);
        });
        SmtpMailer mailer = mailer(2, 2, 100);
        List<CompletableFuture<SendReport>> futures = new ArrayList<>();
        List<String> completedOn = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 8; i++) {
            CompletableFuture<SendReport> f = mailer.sendAsync(message(mailer, "m" + i));
            f.thenRun(() -> completedOn.add(Thread.currentThread().getName()));
            futures.add(f);
        }
        // the server has not even greeted: nothing could have been sent, and no caller waited for it
        assertThat(futures).noneMatch(CompletableFuture::isDone);
        greet.countDown();
        // no get() before the callbacks ran: a thread waiting in get() may run a completed future's callbacks itself
        awaitCondition(() -> completedOn.size() == 8);
        assertThat(completedOn).allMatch(name -> name.startsWith("smtp-pipelining-async-"));
        for (CompletableFuture<SendReport> f : futures) {
            SendReport report = f.get(10, TimeUnit.SECONDS);
            assertThat(report.entries()).singleElement().satisfies(e -> assertThat(e.succeeded()).isTrue());
        }
        assertThat(server.messages()).hasSize(8);
    }

    @Test
    void cancellingAQueuedSendRemovesItAndAnInFlightOneIsReportedAsUsual() throws Exception {
        CountDownLatch inData = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        holding("first", inData, release);
        SmtpMailer mailer = mailer(1, 2, 100);
        CompletableFuture<SendReport> first = mailer.sendAsync(message(mailer, "first"));
        assertThat(inData.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<SendReport> second = mailer.sendAsync(message(mailer, "second"));
        awaitCondition(() -> mailer.load().queued() == 1);

        assertThat(second.cancel(true)).as("queued: nothing of it written").isTrue();
        assertThat(second.isCancelled()).isTrue();
        assertThatThrownBy(second::join).isInstanceOf(CancellationException.class);
        assertThat(mailer.load().queued()).isZero();
        assertThat(first.cancel(true)).as("in a flight: reported as usual").isFalse();

        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS).allSucceeded()).isTrue();
        assertThat(server.messages()).extracting(m -> m.header("X-Case-Id").orElse("?")).containsExactly("first");
        assertThat(server.commands()).extracting(RecordedCommand::line).filteredOn(l -> l.startsWith("MAIL FROM"))
                .hasSize(1);
    }

    @Test
    void beyondTheBoundOnAcceptedCallsTheFutureFailsWithRejectedExecution() throws Exception {
        CountDownLatch inData = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        holding("first", inData, release);
        SmtpMailer mailer = mailer(1, 1, 1);
        CompletableFuture<SendReport> first = mailer.sendAsync(message(mailer, "first"));
        assertThat(inData.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<SendReport> refused = mailer.sendAsync(message(mailer, "refused"));
        assertThat(refused.isCompletedExceptionally()).isTrue();
        assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RejectedExecutionException.class).hasMessageContaining("1 calls");
        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS).allSucceeded()).isTrue();
        // the permit is back once the first completed
        boolean accepted = false;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!accepted && System.nanoTime() < end) {
            CompletableFuture<SendReport> empty = mailer.sendAsync(new MimeMessage[0]);
            accepted = !empty.isCompletedExceptionally();
            if (accepted) {
                assertThat(empty.get(5, TimeUnit.SECONDS).messages()).isZero();
            }
        }
        assertThat(accepted).isTrue();
        assertThat(server.messages()).hasSize(1);
    }

    @Test
    void aLargeAsyncBatchIsSentInSharesAndReportsEveryMessage() throws Exception {
        server.setDefaultScript(new StandardSession());
        SmtpMailer mailer = mailer(2, 2, 10);
        MimeMessage[] batch = new MimeMessage[40];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = message(mailer, "b" + i);
        }
        SendReport report = mailer.sendAsync(batch).get(10, TimeUnit.SECONDS);
        assertThat(report.messages()).isEqualTo(40);
        assertThat(report.allSucceeded()).isTrue();
        assertThat(server.messages()).hasSize(40);
    }

    @Test
    void progressOfABatchComesInOrderAndAddsUpToTheReport() throws Exception {
        server.setDefaultScript(StandardSession.builder()
                .rcptReply((s, address) -> address.startsWith("m7") ? List.of("550 5.1.1 no such user") : null).build());
        SmtpMailer mailer = mailer(2, 1, 1);
        int n = 250;
        List<MimeMessage> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(message(mailer, "m" + i));
        }
        MimeMessage unpreparable = message(mailer, "broken");
        unpreparable.removeHeader("From");
        batch.add(unpreparable);
        List<SendProgress> seen = new CopyOnWriteArrayList<>();
        SendReport report = mailer.send(batch, batch, seen::add);

        assertThat(seen.size()).as("one call per share of at most %d, then done", BatchDelivery.PROGRESS_SHARE)
                .isGreaterThanOrEqualTo((n + BatchDelivery.PROGRESS_SHARE - 1) / BatchDelivery.PROGRESS_SHARE);
        for (int k = 1; k < seen.size(); k++) {
            assertThat(seen.get(k).messagesDone()).isGreaterThan(seen.get(k - 1).messagesDone());
        }
        assertThat(seen).allMatch(p -> p.messagesTotal() == n + 1);
        SendProgress last = seen.get(seen.size() - 1);
        assertThat(last.complete()).isTrue();
        assertThat(last.succeeded()).isEqualTo(report.succeeded());
        assertThat(last.failed()).isEqualTo(report.failed());
        assertThat(last.unknown()).isEqualTo(report.unknown());
        assertThat(report.failed()).as("m7, m70..m79 refused and the unpreparable one").isEqualTo(12);
    }
}
