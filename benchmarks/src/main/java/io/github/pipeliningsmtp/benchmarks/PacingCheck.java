package io.github.pipeliningsmtp.benchmarks;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.ThrottleKind;
import io.github.pipeliningsmtp.delivery.RetryPolicy;
import io.github.pipeliningsmtp.delivery.SmtpMailer;
import io.github.pipeliningsmtp.pacing.LocalSendRateLimit;
import io.github.pipeliningsmtp.pacing.RateLimits;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.testing.PipeliningRelay;
import io.github.pipeliningsmtp.testing.ProviderSimulator;
import io.github.pipeliningsmtp.testing.RelayOptions;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pacing row of issue 13: a relay that allows 3 concurrent transactions and 10 messages per
 * rolling second ({@link ProviderSimulator}, 432 4.3.2 and 454 over them), behind
 * {@link PipeliningRelay} at 50 ms RTT; 500 one-recipient messages in one batch with
 * {@code pool.max-connections} 8, automatic retry on; with no second argument no rate is configured,
 * so that the client learns the pace only from the refusals; with a second argument {@code r}, the
 * sender keeps itself to {@code r} messages per second ({@link LocalSendRateLimit}, taken before each
 * MAIL FROM), as {@code smtp.pipelining.rate.messages-per-second} would. Prints the time against the 50 s the rate allows, whether
 * every message was stored exactly once, the refusals and the retries. Run with
 * {@code java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)
 * io.github.pipeliningsmtp.benchmarks.PacingCheck [messages [rate]]}.
 */
public final class PacingCheck {

    private PacingCheck() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        long rate = args.length > 1 ? Long.parseLong(args[1]) : 0;
        SendingOptions sending = rate > 0
                ? SendingOptions.builder().rateLimit(new LocalSendRateLimit(RateLimits.builder().messagesPerSecond(rate)
                        .maxWait(Duration.ofSeconds(600)).build())).build()
                : SendingOptions.DEFAULTS;
        ProviderSimulator relay = ProviderSimulator.builder().concurrentTransactions(3)
                .rate(10, Duration.ofSeconds(1), ProviderSimulator.RateCheck.DATA).build();
        RetryPolicy retry = RetryPolicy.builder().enabled(true).maxAttempts(1000).initialBackOff(Duration.ofMillis(100))
                .multiplier(1.5).maxBackOff(Duration.ofSeconds(1)).jitter(0.2).budget(Duration.ofSeconds(600)).build();
        Map<ThrottleKind, AtomicInteger> throttles = new ConcurrentHashMap<>();
        AtomicInteger retried = new AtomicInteger();
        AtomicInteger minLimit = new AtomicInteger(8);
        SmtpListener listener = new SmtpListener() {
            @Override
            public void throttled(ThrottleKind kind, String command, SmtpReply reply) {
                throttles.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void retrying(int messages, int recipients, Duration backOff) {
                retried.addAndGet(recipients);
            }

            @Override
            public void concurrencyLimitChanged(int limit) {
                minLimit.accumulateAndGet(limit, Math::min);
            }
        };
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             PipeliningRelay latency = PipeliningRelay.start("127.0.0.1", server.port(),
                     RelayOptions.defaults().withDelay(Duration.ofMillis(25)).withInsertPipelining(false))) {
            server.setDefaultScript(relay);
            ConnectionSettings settings = ConnectionSettings.builder("127.0.0.1", latency.port())
                    .ehloName("bench.example.org").build();
            try (SmtpMailer mailer = SmtpMailer.builder(settings)
                    .poolSettings(PoolSettings.builder().maxConnections(8).maxWait(Duration.ofSeconds(60)).build())
                    .sendingOptions(sending).retryPolicy(retry).listener(listener).build()) {
                List<MimeMessage> messages = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    MimeMessage m = mailer.createMimeMessage();
                    m.setFrom(new InternetAddress(Messages.FROM));
                    m.setRecipient(Message.RecipientType.TO, new InternetAddress("r" + i + "@example.org"));
                    m.setSubject("pacing " + i);
                    m.setText("message " + i + "\r\n");
                    messages.add(m);
                }
                long start = System.nanoTime();
                SendReport report = mailer.send(messages.toArray(MimeMessage[]::new));
                double seconds = (System.nanoTime() - start) / 1e9;
                long distinct = server.messages().stream().flatMap(s -> s.recipients().stream()).distinct().count();
                int maxAttempts = report.entries().stream().flatMap(e -> e.ledger().recipients().stream())
                        .mapToInt(RecipientResult::attempts).max().orElse(0);
                long failed = report.entries().stream().flatMap(e -> e.ledger().recipients().stream())
                        .filter(r -> r.status() == RecipientStatus.FAILED).count();
                double allowed = n / 10.0;
                System.out.printf("pacing: %d messages, rate limit %s, %.1f s (rate allows %.1f s, %+.0f %%), stored %d (distinct %d),"
                                + " succeeded %d, failed %d, unknown %d, waited %.1f s, retried recipients %d,"
                                + " max attempts %d, lowest concurrency limit %d, throttled %s, relay refusals: rate %d,"
                                + " concurrency %d%n",
                        n, rate > 0 ? rate + "/s" : "none", seconds, allowed, (seconds / allowed - 1) * 100, server.messages().size(), distinct,
                        report.succeeded(), failed, report.unknown(), report.waited().toMillis() / 1000.0, retried.get(),
                        maxAttempts, minLimit.get(), throttles, relay.refusals(ProviderSimulator.RATE_REPLY),
                        relay.refusals(ProviderSimulator.CONCURRENCY_REPLY));
                boolean once = server.messages().size() == n && distinct == n;
                System.out.println("pacing: " + (once && failed == 0 && seconds <= allowed * 1.1 ? "PASS" : "FAIL")
                        + " (exactly once: " + once + ", none failed: " + (failed == 0) + ", within 10 %: "
                        + (seconds <= allowed * 1.1) + ")");
            }
        }
    }
}
