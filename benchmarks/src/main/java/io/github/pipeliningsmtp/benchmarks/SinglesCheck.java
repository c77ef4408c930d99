package io.github.pipeliningsmtp.benchmarks;

import io.github.pipeliningsmtp.testing.PipeliningRelay;
import io.github.pipeliningsmtp.testing.RelayOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Only the concurrent-singles rows of issue 14 at their full size (16 threads, 160 messages, 50 ms
 * RTT, 3 measurements each, median), against the fast sink and, when it runs, Postfix
 * (scripts/mta/start.sh): {@code JavaMailSenderImpl}, Vert.x pool 4 and {@code PipelinedMailSender}
 * pool 4 by DATA and BDAT. A quicker way to check those targets than the whole {@link BenchmarkRunner}
 * (about a minute); the same contenders, relay and limits. Run:
 * {@code java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)
 * io.github.pipeliningsmtp.benchmarks.SinglesCheck [threads]}.
 */
public final class SinglesCheck {

    private static final int RTT = 50;

    private SinglesCheck() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        List<ConcurrentSingles> rows = new ArrayList<>();
        for (ConcurrentSingles.Kind kind : List.of(ConcurrentSingles.Kind.SPRING, ConcurrentSingles.Kind.VERTX4,
                ConcurrentSingles.Kind.OURS_DATA4, ConcurrentSingles.Kind.OURS_BDAT4,
                ConcurrentSingles.Kind.WARM_DATA4, ConcurrentSingles.Kind.WARM_BDAT4)) {
            rows.add(new ConcurrentSingles(kind, threads));
        }
        RelayOptions options = RelayOptions.defaults().withDelay(Duration.ofNanos(RTT * 500_000L))
                .withInsertPipelining(false);
        try (FastSmtpSink sink = FastSmtpSink.start(); FastSmtpSink chunkingSink = FastSmtpSink.startWithChunking();
             PipeliningRelay relay = PipeliningRelay.start("127.0.0.1", sink.port(), options);
             PipeliningRelay chunkingRelay = PipeliningRelay.start("127.0.0.1", chunkingSink.port(), options)) {
            table("fast sink", rows, c -> c.chunking() ? chunkingRelay : relay, "example.org");
            Postfix postfix = Postfix.find();
            if (postfix != null) {
                try (PipeliningRelay toPostfix = PipeliningRelay.start(postfix.host(), postfix.port(), options)) {
                    table("Postfix " + postfix.version(), rows, c -> toPostfix, Postfix.DOMAIN);
                }
            } else {
                System.out.println("Postfix not running: its rows are skipped");
            }
        } finally {
            VertxContender.shutdown();
        }
        System.exit(0);
    }

    private static void table(String server, List<ConcurrentSingles> rows,
                              java.util.function.Function<Contender, PipeliningRelay> relays, String domain)
            throws Exception {
        List<String> to = Messages.recipients(1, domain);
        int n = ConcurrentSingles.MESSAGES;
        System.out.printf(Locale.ROOT, "%n%s, concurrent singles, %d messages, RTT %d ms%n", server, n, RTT);
        System.out.println("| sender | msg/s (median of 3) | round trips/msg | of round-trip limit | delivered |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (ConcurrentSingles row : rows) {
            PipeliningRelay relay = relays.apply(row);
            double[] seconds = new double[3];
            long roundTrips = 0;
            int delivered = n;
            for (int r = 0; r < seconds.length; r++) {
                try (Contender.Batch batch = row.prepare(relay.host(), relay.port(), n, to)) {
                    relay.resetCounters();
                    long t0 = System.nanoTime();
                    delivered = Math.min(delivered, batch.send());
                    seconds[r] = (System.nanoTime() - t0) / 1e9;
                    roundTrips = relay.roundTrips();
                }
            }
            java.util.Arrays.sort(seconds);
            double median = seconds[1];
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.2f | %.2f | %d of %d |%n", row.name(), n / median,
                    (double) roundTrips / n, row.limitSeconds(n, RTT) / median, delivered, n);
        }
    }
}
