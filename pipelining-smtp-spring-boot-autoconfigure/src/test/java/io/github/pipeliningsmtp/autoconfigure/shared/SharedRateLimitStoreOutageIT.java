package io.github.pipeliningsmtp.autoconfigure.shared;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthIndicator;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.pacing.StoreState;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * PostgreSQL stops while a sender with a shared budget of 20 messages/s sends as fast as it may:
 * the sender goes on at its own share (20 / 2 expected instances = 10/s), never stops and never
 * takes more; it says so once at WARNING and in the health indicator ({@code rateLimit: fallback});
 * when PostgreSQL is back it returns to the shared budget (WARNING again, {@code rateLimit: shared})
 * within {@value #RETURN_SECONDS} s of PostgreSQL accepting connections again (the bound of
 * {@code SharedSendRateLimit}: retry interval 2 s + 2 x store timeout 1 s; plus 1 s for the next
 * transaction and a fresh connection's login), and sends at the shared rate again. No message
 * fails for it. PostgreSQL comes back on the same port ({@link PostgresFixture#start()} fails
 * otherwise: the pool keeps its URL). Run with -Ppostgres.
 */
@Tag("postgres")
class SharedRateLimitStoreOutageIT {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** Longest time from PostgreSQL accepting connections again to the instance back on the shared budget. */
    static final int RETURN_SECONDS = 5;

    @Test
    void withoutTheStoreTheSenderKeepsToItsShareAndSaysSo() throws Exception {
        PostgresFixture pg = PostgresFixture.running();
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(new java.util.logging.SimpleFormatter().formatMessage(r));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger pacing = Logger.getLogger("io.github.pipeliningsmtp.pacing");
        pacing.addHandler(handler);
        MailFromTimes mailFroms = new MailFromTimes();
        try (ScriptedSmtpServer sink = ScriptedSmtpServer.start()) {
            sink.setDefaultScript(StandardSession.builder().mailReply((s, in) -> {
                mailFroms.record();
                return null;
            }).build());
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(PipeliningSmtpAutoConfiguration.class,
                            PipeliningSmtpHealthAutoConfiguration.class))
                    .withBean(DataSource.class, pg::dataSource)
                    .withPropertyValues("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.port=" + sink.port(),
                            "smtp.pipelining.pool.max-connections=4", "smtp.pipelining.rate.messages-per-second=20",
                            "smtp.pipelining.rate.shared.enabled=true",
                            "smtp.pipelining.rate.shared.key=outage-" + UUID.randomUUID(),
                            "smtp.pipelining.rate.shared.retry-interval=2s",
                            "smtp.pipelining.rate.shared.store-timeout=1s")
                    .run(context -> {
                        PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                        SendRateLimit limit = context.getBean(SendRateLimit.class);
                        PipeliningSmtpHealthIndicator health = context.getBean(PipeliningSmtpHealthIndicator.class);
                        AtomicBoolean sending = new AtomicBoolean(true);
                        AtomicLong succeeded = new AtomicLong();
                        AtomicLong notSucceeded = new AtomicLong();
                        Thread loop = new Thread(() -> {
                            try {
                                while (sending.get()) {
                                    SendReport report = sender.sendAndReport(batch(sender, 40));
                                    for (SendReport.Entry e : report.entries()) {
                                        succeeded.addAndGet(e.ledger().count(RecipientStatus.SUCCEEDED));
                                        notSucceeded.addAndGet(e.ledger().recipients().size()
                                                - e.ledger().count(RecipientStatus.SUCCEEDED));
                                    }
                                }
                            } catch (Exception e) {
                                notSucceeded.incrementAndGet();
                            }
                        }, "outage-sender");
                        loop.start();
                        try {
                            // on the shared budget before the outage: the first call of a cold JVM (driver,
                            // login, Bucket4j) can miss the 1 s store timeout on a loaded machine; the
                            // instance then comes back within the bound, as after the outage
                            Thread.sleep(4000);
                            await(() -> limit.stats().store() == StoreState.SHARED, RETURN_SECONDS);
                            assertThat(health.health().getDetails()).containsEntry("rateLimit", "shared");
                            int warningsBefore = warnings.size();

                            PostgresFixture.stop();
                            long stopped = System.nanoTime();
                            await(() -> limit.stats().store() == StoreState.FALLBACK, 10);
                            double fallbackAfter = (System.nanoTime() - stopped) / 1e9;
                            assertThat(health.health().getDetails()).containsEntry("rateLimit", "fallback");
                            long from = System.nanoTime();
                            Thread.sleep(6000);
                            long inFallback = mailFroms.between(from, from + 6 * SECOND);
                            List<Long> fallbackTimes = mailFroms.sorted().stream()
                                    .filter(t -> t >= from && t < from + 6 * SECOND).toList();
                            int maxPerSecondInFallback = MailFromTimes.maxInWindow(fallbackTimes, SECOND);
                            assertThat(limit.stats().store()).isEqualTo(StoreState.FALLBACK);

                            long restarting = System.nanoTime();
                            PostgresFixture.start(); // returns once PostgreSQL accepts connections, same port
                            long restarted = System.nanoTime();
                            await(() -> limit.stats().store() == StoreState.SHARED, RETURN_SECONDS);
                            double sharedAfter = (System.nanoTime() - restarted) / 1e9;
                            double restartTook = (restarted - restarting) / 1e9;
                            assertThat(health.health().getDetails()).containsEntry("rateLimit", "shared");
                            long back = System.nanoTime();
                            Thread.sleep(3000);
                            long afterBack = mailFroms.between(back, back + 3 * SECOND);
                            System.out.printf("store outage: fallback %.1f s after PostgreSQL stopped; %d MAIL FROM in "
                                    + "6 s of fallback (max %d in 1 s); shared again %.2f s after it accepted connections "
                                    + "(its start took %.2f s); then %d in 3 s; store failures=%d; warnings=%s%n",
                                    fallbackAfter, inFallback, maxPerSecondInFallback, sharedAfter, restartTook,
                                    afterBack, limit.stats().storeFailures(), warnings);
                            // at its share, 10/s: never stopped, never more than the share (plus one second's worth)
                            assertThat(inFallback).isBetween(6L * 10 / 2, 6L * 10 + 10);
                            assertThat(maxPerSecondInFallback).isLessThanOrEqualTo(20);
                            List<String> outage = warnings.subList(warningsBefore, warnings.size());
                            assertThat(outage).hasSize(2);
                            assertThat(outage.get(0)).contains("cannot be reached").contains("1/2");
                            assertThat(outage.get(1)).contains("answers again");
                            // the shared rate, 20/s, again: above the share (at most 3 x 10 + 1), not above the rate
                            assertThat(afterBack).isBetween(3L * 10 + 10, 3L * 20 + 20);
                        } finally {
                            sending.set(false);
                            loop.join(30_000);
                        }
                        assertThat(notSucceeded.get()).as("no message fails for the store's outage").isZero();
                        assertThat(sink.messages()).hasSize((int) succeeded.get());
                        assertThat(sink.messages().stream().map(m -> m.header("X-Seq").orElseThrow()).distinct())
                                .hasSize((int) succeeded.get());
                    });
        } finally {
            pacing.removeHandler(handler);
            PostgresFixture.start(); // leave it running, whatever happened
        }
    }

    private static final AtomicLong SEQ = new AtomicLong();

    private static MimeMessage[] batch(PipelinedMailSender sender, int n) throws Exception {
        MimeMessage[] batch = new MimeMessage[n];
        for (int i = 0; i < n; i++) {
            MimeMessage m = sender.createMimeMessage();
            m.setFrom(new InternetAddress("sender@example.com"));
            m.setRecipient(jakarta.mail.Message.RecipientType.TO, new InternetAddress("rcpt@example.net"));
            m.setSubject("outage");
            m.setHeader("X-Seq", Long.toString(SEQ.incrementAndGet()));
            m.setText("one of many");
            batch[i] = m;
        }
        return batch;
    }

    private static void await(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within %d s", seconds).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
