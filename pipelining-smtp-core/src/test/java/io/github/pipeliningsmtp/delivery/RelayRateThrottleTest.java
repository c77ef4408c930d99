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
import io.github.pipeliningsmtp.protocol.SmtpReply;
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
import org.junit.jupiter.api.Test;

/**
 * A relay that limits the sending rate and the daily quota with the same code (Amazon SES: 454 for
 * both) and stores nothing it refuses: 40 one-recipient messages sent as fast as possible, no rate
 * configured, automatic retry on. The relay's rate window (5 per rolling second) runs on the same
 * manual clock as retry's back-off, so a back-off passes at once and the test is fast.
 */
class RelayRateThrottleTest {

    private static final int MESSAGES = 40;

    /** Enough attempts for 40 messages at 5 per second: a round of 5 each back-off. */
    private static final RetryPolicy RETRY = RetryPolicy.builder().enabled(true).maxAttempts(10)
            .initialBackOff(Duration.ofSeconds(1)).multiplier(2).maxBackOff(Duration.ofSeconds(2)).jitter(0)
            .budget(Duration.ofSeconds(60)).build();

    @Test
    void refusedAtDataOverTheRateEveryMessageIsDeliveredOnceAtTheRelaysPace() throws Exception {
        everyMessageDeliveredOnce(ProviderSimulator.RateCheck.DATA);
    }

    @Test
    void refusedAtTheEndOfDataOverTheRateEveryMessageIsDeliveredOnceAtTheRelaysPace() throws Exception {
        everyMessageDeliveredOnce(ProviderSimulator.RateCheck.END_OF_DATA);
    }

    private void everyMessageDeliveredOnce(ProviderSimulator.RateCheck check) throws Exception {
        ManualRetryClock clock = new ManualRetryClock();
        ProviderSimulator relay = ProviderSimulator.builder().rate(5, Duration.ofSeconds(1), check)
                .clock(clock::nanoTime).build();
        Run run = send(relay, clock, 4);

        assertThat(relay.refusals(ProviderSimulator.RATE_REPLY)).as("the rate was met").isPositive();
        assertThat(run.report.succeeded()).isEqualTo(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            String rcpt = rcpt(i);
            RecipientResult r = run.ledger(i).recipients().get(0);
            assertThat(r.status()).isEqualTo(RecipientStatus.SUCCEEDED);
            assertThat(run.stored(rcpt)).as(rcpt).isEqualTo(1);
            List<ProviderSimulator.Attempt> attempts = relay.attemptsFor(rcpt);
            // the ledger counts every attempt the relay saw; only the last one was accepted
            assertThat(r.attempts()).isEqualTo(attempts.size());
            assertThat(attempts.subList(0, attempts.size() - 1)).allMatch(a -> a.dataCode() == 454 || a.endCode() == 454);
            assertThat(attempts.get(attempts.size() - 1).endCode()).isEqualTo(250);
        }
        // 40 at 5 per window: at least 7 back-offs, all on the retry clock, reported as waited
        assertThat(run.report.waited()).isGreaterThanOrEqualTo(Duration.ofSeconds(7));
        assertThat(run.waits).hasSizeGreaterThanOrEqualTo(7);
        assertThat(run.throttles).contains(ThrottleKind.RATE).doesNotContain(ThrottleKind.QUOTA);
    }

    @Test
    void overTheDailyQuotaTheMessagesAreFailedTransientAndNotHammered() throws Exception {
        ManualRetryClock clock = new ManualRetryClock();
        ProviderSimulator relay = ProviderSimulator.builder().dailyQuota(20).clock(clock::nanoTime).build();
        // one connection: the relay sees the messages in order, so messages 21 to 40 meet the quota
        Run run = send(relay, clock, 1);

        for (int i = 0; i < MESSAGES; i++) {
            RecipientResult r = run.ledger(i).recipients().get(0);
            if (i < 20) {
                assertThat(r.status()).isEqualTo(RecipientStatus.SUCCEEDED);
                assertThat(run.stored(rcpt(i))).isEqualTo(1);
                continue;
            }
            assertThat(r.status()).as("message %d", i + 1).isEqualTo(RecipientStatus.FAILED);
            SmtpError e = r.error().orElseThrow();
            assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
            assertThat(e.code()).isEqualTo(454);
            assertThat(e.reply().map(SmtpReply::text).orElseThrow()).contains("Daily message quota exceeded");
            assertThat(e.throttle()).contains(ThrottleKind.QUOTA);
            // at most one further attempt per message within 60 s: a quota is not retried at all
            assertThat(relay.attemptsFor(rcpt(i))).hasSizeLessThanOrEqualTo(2);
            assertThat(r.attempts()).isEqualTo(relay.attemptsFor(rcpt(i)).size());
            assertThat(run.stored(rcpt(i))).isZero();
        }
        assertThat(run.throttles.stream().filter(k -> k == ThrottleKind.QUOTA)).hasSize(20);
        assertThat(run.report.waited()).isZero();
    }

    private static String rcpt(int i) {
        return "r" + i + "@example.net";
    }

    private static final class Run {
        final List<ThrottleKind> throttles = new CopyOnWriteArrayList<>();
        final List<Duration> waits = new CopyOnWriteArrayList<>();
        ScriptedSmtpServer server;
        SendReport report;

        MessageLedger ledger(int i) {
            return report.entries().get(i).ledger();
        }

        long stored(String rcpt) {
            return server.messages().stream().map(StoredMessage::recipients).filter(r -> r.contains(rcpt)).count();
        }
    }

    private static Run send(ProviderSimulator relay, ManualRetryClock clock, int connections) throws Exception {
        Run run = new Run();
        ScriptedSmtpServer server = ScriptedSmtpServer.start();
        run.server = server;
        server.setDefaultScript(relay);
        SmtpListener listener = new SmtpListener() {
            @Override
            public void throttled(ThrottleKind kind, String command, SmtpReply reply) {
                run.throttles.add(kind);
            }

            @Override
            public void retryWaited(Duration waited) {
                run.waits.add(waited);
            }
        };
        try (SmtpMailer mailer = SmtpMailer.builder(ClientFixtures.settings(server).build())
                .poolSettings(PoolSettings.builder().maxConnections(connections).maxWait(Duration.ofSeconds(10)).build())
                .retryPolicy(RETRY).retryClock(clock).listener(listener).shutdownTimeout(Duration.ofSeconds(2))
                .build()) {
            List<MimeMessage> messages = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                MimeMessage m = mailer.createMimeMessage();
                m.setFrom(new InternetAddress("sender@example.com"));
                m.setRecipients(Message.RecipientType.TO, rcpt(i));
                m.setSubject("message " + (i + 1));
                m.setText("body " + i);
                messages.add(m);
            }
            run.report = mailer.send(messages.toArray(MimeMessage[]::new));
        }
        ClientFixtures.closeCleanly(server);
        return run;
    }
}
