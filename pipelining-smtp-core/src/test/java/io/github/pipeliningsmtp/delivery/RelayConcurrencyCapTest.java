package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.ThrottleKind;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.ProviderSimulator;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A relay that caps concurrent sessions per account (Office 365: 3) and says so with a transient
 * reply: a pool of 5 sending 10 messages of 2 recipients from 10 threads at once learns the cap
 * (adaptive concurrency) and, with automatic retry, delivers everything exactly once; without
 * retry, the refused messages are FAILED transient with the relay's reply and nothing of them is
 * delivered. Variant A: {@code 432 4.3.2} at DATA; variant B: {@code 421 4.7.0} greeting.
 */
class RelayConcurrencyCapTest {

    private static final int CAP = 3;
    private static final int POOL = 5;
    private static final int MESSAGES = 10;

    private static final RetryPolicy RETRY = RetryPolicy.builder().enabled(true).maxAttempts(6)
            .initialBackOff(Duration.ofMillis(50)).maxBackOff(Duration.ofMillis(400)).jitter(0.2)
            .budget(Duration.ofSeconds(20)).build();

    @Test
    void dataRefusedOverTheCapIsRetriedAndEveryMessageIsStoredOnce() throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder().concurrentTransactions(CAP)
                .transactionTime(Duration.ofMillis(150)).build();
        Run run = send(relay, RETRY);

        assertEveryRecipientSucceededOnce(run);
        int refused = relay.refusals(ProviderSimulator.CONCURRENCY_REPLY);
        assertThat(refused).as("the burst met the cap").isPositive();
        // after the first refusal the limit is halved: only connections of the first burst (at most
        // the pool's size) can have been refused, never one opened after it; since sends share
        // flights, one such connection may carry, and have refused, several callers' messages
        assertThat(relay.attempts()).filteredOn(a -> a.dataCode() == 432)
                .allSatisfy(a -> assertThat(a.connection()).isLessThan(POOL));
        assertThat(run.limitAfter).isLessThanOrEqualTo(CAP);
        assertThat(run.limitChanges).isNotEmpty().allMatch(l -> l >= 1 && l <= CAP);
        assertThat(run.throttles).contains(ThrottleKind.CONCURRENCY);
        assertThat(run.attemptsOfRetried()).isNotEmpty().allMatch(a -> a >= 2);
    }

    @Test
    void withoutRetryTheMessagesRefusedAtDataAreFailedTransientWithTheRelaysReply() throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder().concurrentTransactions(CAP)
                .transactionTime(Duration.ofMillis(150)).build();
        Run run = send(relay, RetryPolicy.DISABLED);

        List<MessageLedger> refused = run.refused();
        assertThat(refused).hasSize(relay.refusals(ProviderSimulator.CONCURRENCY_REPLY)).isNotEmpty();
        for (MessageLedger ledger : refused) {
            assertThat(ledger.recipients()).hasSize(2).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
                SmtpError e = r.error().orElseThrow();
                assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
                assertThat(e.step()).isEqualTo(SmtpStep.DATA);
                assertThat(e.code()).isEqualTo(432);
                assertThat(e.enhancedStatusCode()).contains("4.3.2");
                assertThat(e.throttle()).contains(ThrottleKind.CONCURRENCY);
                assertThat(r.attempts()).isEqualTo(1);
            });
            assertThat(stored(run.server, ledger.envelope().recipients().get(0))).isZero();
        }
        assertThat(run.server.messages()).hasSize(MESSAGES - refused.size());
        assertThat(run.limitAfter).isLessThanOrEqualTo(CAP);
    }

    @Test
    void aConnectionGreetedWith421OverTheCapIsRetriedOnAFreshOneAndEveryMessageIsStoredOnce() throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder().concurrentConnections(CAP)
                .transactionTime(Duration.ofMillis(150)).build();
        Run run = send(relay, RETRY);

        assertEveryRecipientSucceededOnce(run);
        int refused = relay.refusals(ProviderSimulator.CONNECTIONS_REPLY);
        assertThat(refused).as("the burst met the cap").isPositive().isLessThanOrEqualTo(POOL - CAP);
        assertThat(run.limitAfter).isLessThanOrEqualTo(CAP);
    }

    @Test
    void withoutRetryTheMessagesWhoseConnectionWasGreetedWith421AreFailedTransient() throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder().concurrentConnections(CAP)
                .transactionTime(Duration.ofMillis(150)).build();
        Run run = send(relay, RetryPolicy.DISABLED);

        List<MessageLedger> refused = run.refused();
        // one refused connection may carry several callers' messages (sends share flights)
        assertThat(refused).isNotEmpty().hasSizeGreaterThanOrEqualTo(relay.refusals(ProviderSimulator.CONNECTIONS_REPLY));
        for (MessageLedger ledger : refused) {
            assertThat(ledger.recipients()).hasSize(2).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
                SmtpError e = r.error().orElseThrow();
                assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
                assertThat(e.step()).isEqualTo(SmtpStep.GREETING);
                assertThat(e.code()).isEqualTo(421);
                assertThat(e.enhancedStatusCode()).contains("4.7.0");
            });
            assertThat(stored(run.server, ledger.envelope().recipients().get(0))).isZero();
        }
        assertThat(run.server.messages()).hasSize(MESSAGES - refused.size());
    }

    private static void assertEveryRecipientSucceededOnce(Run run) {
        assertThat(run.reports).hasSize(MESSAGES);
        for (SendReport report : run.reports) {
            MessageLedger ledger = report.entries().get(0).ledger();
            assertThat(ledger.recipients()).hasSize(2).allMatch(r -> r.status() == RecipientStatus.SUCCEEDED);
            for (String rcpt : ledger.envelope().recipients()) {
                assertThat(stored(run.server, rcpt)).as(rcpt).isEqualTo(1);
            }
        }
        assertThat(run.server.messages()).hasSize(MESSAGES);
    }

    private static long stored(ScriptedSmtpServer server, String rcpt) {
        return server.messages().stream().map(StoredMessage::recipients).filter(r -> r.contains(rcpt)).count();
    }

    /** What one run saw: a report per thread, the limit changes and the limit after. */
    private static final class Run {
        final List<SendReport> reports = new CopyOnWriteArrayList<>();
        final List<Integer> limitChanges = new CopyOnWriteArrayList<>();
        final List<ThrottleKind> throttles = new CopyOnWriteArrayList<>();
        ScriptedSmtpServer server;
        int limitAfter;

        List<MessageLedger> refused() {
            return reports.stream().map(r -> r.entries().get(0).ledger())
                    .filter(l -> l.count(RecipientStatus.SUCCEEDED) == 0).toList();
        }

        List<Integer> attemptsOfRetried() {
            return reports.stream().flatMap(r -> r.entries().get(0).ledger().recipients().stream())
                    .map(RecipientResult::attempts).filter(a -> a > 1).toList();
        }
    }

    private static Run send(ProviderSimulator relay, RetryPolicy retry) throws Exception {
        Run run = new Run();
        ScriptedSmtpServer server = ScriptedSmtpServer.start();
        run.server = server;
        server.setDefaultScript(relay);
        SmtpListener listener = new SmtpListener() {
            @Override
            public void concurrencyLimitChanged(int limit) {
                run.limitChanges.add(limit);
            }

            @Override
            public void throttled(ThrottleKind kind, String command, io.github.pipeliningsmtp.protocol.SmtpReply reply) {
                run.throttles.add(kind);
            }
        };
        ExecutorService threads = Executors.newFixedThreadPool(MESSAGES);
        try (SmtpMailer mailer = SmtpMailer.builder(ClientFixtures.settings(server).build())
                .poolSettings(PoolSettings.builder().maxConnections(POOL).maxWait(Duration.ofSeconds(10)).build())
                .retryPolicy(retry).listener(listener).shutdownTimeout(Duration.ofSeconds(2)).build()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<SendReport>> sends = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                MimeMessage m = mailer.createMimeMessage();
                m.setFrom(new InternetAddress("sender@example.com"));
                m.setRecipients(Message.RecipientType.TO, "m" + i + "-a@example.net, m" + i + "-b@example.net");
                m.setSubject("message " + i);
                m.setText("body " + i);
                sends.add(threads.submit(() -> {
                    start.await();
                    return mailer.send(m);
                }));
            }
            start.countDown();
            for (Future<SendReport> f : sends) {
                run.reports.add(f.get(30, TimeUnit.SECONDS));
            }
            run.limitAfter = mailer.pool().concurrencyLimit();
        } finally {
            threads.shutdownNow();
        }
        ClientFixtures.closeCleanly(server);
        return run;
    }
}
