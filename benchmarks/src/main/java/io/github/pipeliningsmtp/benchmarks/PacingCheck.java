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
import io.github.pipeliningsmtp.pacing.RateBackOff;
import io.github.pipeliningsmtp.pacing.RateLimitStats;
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
 * MAIL FROM), as {@code smtp.pipelining.rate.messages-per-second} would, backing off after the relay's
 * rate refusals ({@link RateBackOff#DEFAULT}; a third argument {@code exact} keeps exactly to the
 * rate, {@link RateBackOff#OFF}). Prints the time against the 50 s the rate allows, whether
 * every message was stored exactly once, the refusals and the retries. Run with
 * {@code java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)
 * io.github.pipeliningsmtp.benchmarks.PacingCheck [messages [rate [exact]]]}. Also prints how
 * close the DATA commands came to each other at the relay, and the pace the limit ended at.
 */
public final class PacingCheck {

    private PacingCheck() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        long rate = args.length > 1 ? Long.parseLong(args[1]) : 0;
        // a third argument "exact" turns the back-off after rate refusals off (RateBackOff.OFF)
        RateBackOff backOff = args.length > 2 && args[2].equals("exact") ? RateBackOff.OFF : RateBackOff.DEFAULT;
        LocalSendRateLimit limit = rate > 0 ? new LocalSendRateLimit(RateLimits.builder().messagesPerSecond(rate)
                .maxWait(Duration.ofSeconds(600)).build(), backOff) : null;
        SendingOptions sending = limit != null ? SendingOptions.builder().rateLimit(limit).build() : SendingOptions.DEFAULTS;
        // the relay reads its clock once per DATA it checks against the rate (under its lock, so in
        // order): those readings are the arrival times of every DATA at the relay
        List<Long> arrivals = java.util.Collections.synchronizedList(new ArrayList<>());
        ProviderSimulator relay = ProviderSimulator.builder().concurrentTransactions(3)
                .rate(10, Duration.ofSeconds(1), ProviderSimulator.RateCheck.DATA).clock(() -> {
                    long now = System.nanoTime();
                    arrivals.add(now);
                    return now;
                }).build();
        RetryPolicy retry = RetryPolicy.builder().enabled(true).maxAttempts(1000).initialBackOff(Duration.ofMillis(100))
                .multiplier(1.5).maxBackOff(Duration.ofSeconds(1)).jitter(0.2).budget(Duration.ofSeconds(600)).build();
        Map<ThrottleKind, AtomicInteger> throttles = new ConcurrentHashMap<>();
        AtomicInteger retried = new AtomicInteger();
        AtomicInteger minLimit = new AtomicInteger(8);
        // when the first connection opened and the first reply to each command came (System.nanoTime)
        Map<String, Long> firsts = new ConcurrentHashMap<>();
        SmtpListener listener = new SmtpListener() {
            @Override
            public void connectionOpened() {
                firsts.putIfAbsent("connection", System.nanoTime());
            }

            @Override
            public void replyReceived(String command, SmtpReply reply) {
                firsts.putIfAbsent(command, System.nanoTime());
            }

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
                // the limit's pace, sampled every 100 ms while the send runs
                List<Double> paces = java.util.Collections.synchronizedList(new ArrayList<>());
                java.util.concurrent.ScheduledExecutorService sampler =
                        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
                if (limit != null) {
                    sampler.scheduleAtFixedRate(() -> paces.add(limit.stats().pace()), 0, 100,
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                }
                long start = System.nanoTime();
                SendReport report = mailer.send(messages.toArray(MimeMessage[]::new));
                long end = System.nanoTime();
                sampler.shutdownNow();
                double seconds = (end - start) / 1e9;
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
                System.out.println("pacing: " + spans(arrivals, start, end));
                System.out.println("pacing: after the send began, the first " + String.join(", ",
                        firsts.entrySet().stream().sorted(Map.Entry.comparingByValue())
                                .map(e -> e.getKey() + " " + (e.getValue() - start) / 1_000_000 + " ms").toList()));
                if (limit != null) {
                    RateLimitStats stats = limit.stats();
                    double[] sampled;
                    synchronized (paces) {
                        sampled = paces.stream().mapToDouble(Double::doubleValue).toArray();
                    }
                    System.out.printf("pacing: back-off %s: pace mean %.1f %%, lowest %.1f %%, at the end %.1f %% of %d/s,"
                                    + " lowered %d times, rate refusals seen %d%n", backOff == RateBackOff.OFF ? "off" : "on",
                            java.util.Arrays.stream(sampled).average().orElse(1) * 100,
                            java.util.Arrays.stream(sampled).min().orElse(1) * 100, stats.pace() * 100, rate,
                            stats.paceDecreases(), stats.relayRateRefusals());
                }
                boolean once = server.messages().size() == n && distinct == n;
                System.out.println("pacing: " + (once && failed == 0 && seconds <= allowed * 1.1 ? "PASS" : "FAIL")
                        + " (exactly once: " + once + ", none failed: " + (failed == 0) + ", within 10 %: "
                        + (seconds <= allowed * 1.1) + ")");
            }
        }
    }

    /**
     * How close the DATA commands came at the relay: when the first came after the send began and
     * the last before it ended, the gap between consecutive ones (smallest, 1st percentile, median,
     * mean) and, over every 11 consecutive DATA, how many spanned less than the
     * relay's one-second window (each such span is an 11th DATA in some rolling second: a 454
     * unless an earlier one of them was refused).
     */
    private static String spans(List<Long> arrivals, long start, long end) {
        List<Long> a;
        synchronized (arrivals) {
            a = new ArrayList<>(arrivals);
        }
        if (a.size() < 12) {
            return "too few DATA commands to measure spacing";
        }
        long[] gaps = new long[a.size() - 1];
        for (int i = 1; i < a.size(); i++) {
            gaps[i - 1] = a.get(i) - a.get(i - 1);
        }
        java.util.Arrays.sort(gaps);
        int under = 0;
        long tightest = Long.MAX_VALUE;
        for (int i = 10; i < a.size(); i++) {
            long span = a.get(i) - a.get(i - 10);
            tightest = Math.min(tightest, span);
            if (span < 1_000_000_000L) {
                under++;
            }
        }
        return String.format("DATA at the relay: %d, the first %.0f ms after the send began, the last %.0f ms before it"
                        + " ended; gap between consecutive min %.1f ms, p1 %.1f ms, median %.1f ms, mean %.1f ms;"
                        + " 11 consecutive DATA within one second: %d, tightest 10-gap span %.1f ms",
                a.size(), (a.get(0) - start) / 1e6, (end - a.get(a.size() - 1)) / 1e6, gaps[0] / 1e6,
                gaps[gaps.length / 100] / 1e6, gaps[gaps.length / 2] / 1e6,
                (a.get(a.size() - 1) - a.get(0)) / 1e6 / gaps.length, under, tightest / 1e6);
    }
}
