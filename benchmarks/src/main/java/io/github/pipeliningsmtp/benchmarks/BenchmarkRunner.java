package io.github.pipeliningsmtp.benchmarks;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.github.pipeliningsmtp.testing.PipeliningRelay;
import io.github.pipeliningsmtp.testing.RelayOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Runs every scenario, prints a table per scenario, checks the targets of issue 6 (PASS/FAIL, never
 * a unit test) and ends with one machine-readable {@code bench:} line. Started by
 * {@code benchmarks/run.sh [--quick]}.
 *
 * <p>Method: the contenders run in the same JVM, alternating (the order rotates every repetition),
 * each measured {@link #REPS} times on a fresh client (connection set-up included), and the median
 * is reported. Latency comes from {@link PipeliningRelay} on loopback, which forwards every chunk a
 * fixed one-way delay (RTT / 2) after it arrived, in order, with no bandwidth cap, and counts client
 * round trips. At RTT 0 there is no relay and the sink counts round trips the same way. The number
 * of messages per measurement is 1,000 unless that would take longer than the time budget per
 * measurement (estimated from a short probe run, which also warms the JIT); the count used is
 * printed in every row.
 */
public final class BenchmarkRunner {

    static final int REPS = 3;
    static final int MAX_MESSAGES = 1000;

    private final boolean quick;
    private final double budgetSeconds;
    private final PrintStream out = System.out;
    private final StringBuilder report = new StringBuilder();
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final List<String> verdicts = new ArrayList<>();
    private int passed;
    private int checked;

    private BenchmarkRunner(boolean quick) {
        this.quick = quick;
        this.budgetSeconds = quick ? 0.6 : 4.0;
    }

    /** A measured row of a table. */
    record Row(String sender, int connections, int messages, double seconds, double perSecond,
               double roundTripsPerMessage, double limitRatio, int delivered, int serverSaw) {
    }

    /** Where a scenario sends: host, port, the server's own delivered count, and its reset. */
    record Target(String name, String host, int port, LongSupplier serverMessages, Runnable reset,
                  LongSupplier roundTrips, Runnable resetRoundTrips) {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        Path outFile = Path.of(args.length > 0 && !args[args.length - 1].startsWith("--")
                ? args[args.length - 1] : "benchmarks/target/bench-results.md");
        BenchmarkRunner runner = new BenchmarkRunner(quick);
        long start = System.nanoTime();
        try {
            runner.run();
        } finally {
            VertxContender.shutdown();
        }
        runner.print(String.format(Locale.ROOT, "%nTotal run time: %.0f s (%s)%n",
                (System.nanoTime() - start) / 1e9, quick ? "--quick" : "full"));
        Files.createDirectories(outFile.toAbsolutePath().getParent());
        Files.writeString(outFile, runner.report.toString(), StandardCharsets.UTF_8);
        runner.out.println(runner.benchLine());
        System.exit(0);
    }

    private void print(String s) {
        out.print(s);
        out.flush();
        report.append(s);
    }

    private void run() throws Exception {
        print(String.format(Locale.ROOT, "# Benchmark run (%s)%n%njava %s, %d cpus, max heap %d MB; "
                        + "%d measurements per row, median; time budget per measurement %.1f s%n",
                quick ? "--quick" : "full", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, REPS,
                budgetSeconds));
        List<Contender> contenders = List.of(new SpringContender(), new VertxContender(1), new VertxContender(4),
                new PipelinedContender(1), new PipelinedContender(4));
        try (FastSmtpSink sink = FastSmtpSink.start()) {
            for (int recipients : new int[] {1, 10}) {
                for (int rtt : new int[] {0, 10, 50}) {
                    scenario("fast sink (PIPELINING)", sink, recipients, rtt, contenders);
                }
            }
        }
        print(String.format(Locale.ROOT, "%nBDAT rows: not measured. ConnectionSettings and the engine in this "
                + "build have no CHUNKING/BDAT setting (FastSmtpSink.startWithChunking() is ready for them).%n"));
        greenMail(contenders);
        memory();
        targets();
    }

    private void scenario(String server, FastSmtpSink sink, int recipients, int rtt, List<Contender> contenders)
            throws Exception {
        if (rtt == 0) {
            Target t = new Target(server, "127.0.0.1", sink.port(), sink::messages, sink::resetCounters,
                    sink::roundTrips, sink::resetCounters);
            table(server, t, recipients, rtt, contenders);
            return;
        }
        RelayOptions options = RelayOptions.defaults().withDelay(Duration.ofNanos(rtt * 500_000L))
                .withInsertPipelining(false);
        try (PipeliningRelay relay = PipeliningRelay.start("127.0.0.1", sink.port(), options)) {
            Target t = new Target(server, relay.host(), relay.port(), sink::messages, sink::resetCounters,
                    relay::roundTrips, relay::resetCounters);
            table(server, t, recipients, rtt, contenders);
        }
    }

    private void greenMail(List<Contender> all) throws Exception {
        GreenMail greenMail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        greenMail.start();
        int rtt = 10;
        try (PipeliningRelay relay = PipeliningRelay.start("127.0.0.1", greenMail.getSmtp().getPort(),
                RelayOptions.defaults().withDelay(Duration.ofNanos(rtt * 500_000L)))) {
            Runnable purge = () -> {
                try {
                    greenMail.purgeEmailFromAllMailboxes();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            Target t = new Target("GreenMail 2.1.8 behind the PIPELINING relay", relay.host(), relay.port(),
                    () -> greenMail.getReceivedMessages().length, purge, relay::roundTrips, relay::resetCounters);
            table(t.name(), t, 1, rtt, List.of(all.get(0), all.get(1), all.get(3), all.get(4)));
        } finally {
            greenMail.stop();
        }
    }

    private static String key(String server, int recipients, int rtt, String sender) {
        return server + "|" + recipients + "|" + rtt + "|" + sender;
    }

    private void table(String server, Target target, int recipients, int rtt, List<Contender> contenders)
            throws Exception {
        List<String> to = Messages.recipients(recipients);
        int[] counts = new int[contenders.size()];
        for (int c = 0; c < contenders.size(); c++) {
            counts[c] = messagesFor(contenders.get(c), target, to, rtt);
        }
        List<List<Sample>> samples = new ArrayList<>();
        for (int c = 0; c < contenders.size(); c++) {
            samples.add(new ArrayList<>());
        }
        for (int r = 0; r < REPS; r++) {
            for (int k = 0; k < contenders.size(); k++) {
                int c = (k + r) % contenders.size();
                samples.get(c).add(measure(contenders.get(c), target, to, counts[c]));
            }
        }
        print(String.format(Locale.ROOT, "%n## %s, %d recipient%s per message, RTT %d ms%s%n%n", server, recipients,
                recipients > 1 ? "s" : "", rtt, rtt == 0 ? " (plain loopback, round trips counted by the sink)"
                        : " (relay: " + rtt / 2.0 + " ms each way)"));
        print("| sender | messages | msg/s | round trips/msg | speed-up vs JavaMailSenderImpl | of round-trip limit "
                + "| delivered (client/server) |\n|---|---:|---:|---:|---:|---:|---|\n");
        double baseline = Double.NaN;
        List<Row> tableRows = new ArrayList<>();
        for (int c = 0; c < contenders.size(); c++) {
            Contender contender = contenders.get(c);
            List<Sample> s = new ArrayList<>(samples.get(c));
            s.sort((a, b) -> Double.compare(a.seconds, b.seconds));
            Sample median = s.get(s.size() / 2);
            int n = counts[c];
            int perConnection = (n + contender.connections() - 1) / contender.connections();
            double limit = rtt == 0 ? Double.NaN : (perConnection + 2) * rtt / 1000.0;
            Row row = new Row(contender.name(), contender.connections(), n, median.seconds, n / median.seconds,
                    (double) median.roundTrips / n, limit / median.seconds,
                    s.stream().mapToInt(x -> x.delivered).min().orElse(0),
                    (int) s.stream().mapToLong(x -> x.serverSaw).min().orElse(0));
            rows.put(key(server, recipients, rtt, contender.name()), row);
            tableRows.add(row);
            if (contender instanceof SpringContender) {
                baseline = row.perSecond;
            }
        }
        for (Row row : tableRows) {
            print(String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f | %s | %s | %s |%n", row.sender, row.messages,
                    row.perSecond, row.roundTripsPerMessage,
                    Double.isNaN(baseline) ? "–" : String.format(Locale.ROOT, "%.1f×", row.perSecond / baseline),
                    Double.isNaN(row.limitRatio) ? "–" : String.format(Locale.ROOT, "%.2f", row.limitRatio),
                    row.delivered == row.messages && row.serverSaw >= row.messages
                            ? "all" : row.delivered + "/" + row.serverSaw + " of " + row.messages));
        }
    }

    /** Probe run (also the JIT warm-up); returns the message count that fits the time budget. */
    private int messagesFor(Contender contender, Target target, List<String> to, int rtt) throws Exception {
        int probe = rtt == 0 ? 300 : 3;
        Sample s = measure(contender, target, to, probe);
        double setup = 2 * rtt / 1000.0;
        double perMessage = Math.max(s.seconds - setup, s.seconds * 0.1) / probe;
        int n = (int) Math.min(MAX_MESSAGES, Math.round(budgetSeconds / perMessage));
        int rounded = n >= 20 ? n / 10 * 10 : n;
        return Math.min(MAX_MESSAGES, Math.max(contender.minMessages(quick), rounded));
    }

    private record Sample(double seconds, long roundTrips, int delivered, long serverSaw) {
    }

    private Sample measure(Contender contender, Target target, List<String> to, int n) throws Exception {
        try (Contender.Batch batch = contender.prepare(target.host(), target.port(), n, to)) {
            target.reset().run();
            target.resetRoundTrips().run();
            long t0 = System.nanoTime();
            int delivered = batch.send();
            long t1 = System.nanoTime();
            long roundTrips = target.roundTrips().getAsLong();
            long serverSaw = target.serverMessages().getAsLong();
            return new Sample((t1 - t0) / 1e9, roundTrips, delivered, serverSaw);
        }
    }

    // ----------------------------------------------------------------------------------------- memory

    private String memoryVerdict = "not run";

    private void memory() throws Exception {
        print(String.format(Locale.ROOT, "%n## Memory: one 100 MB message streamed from a file, sender JVM "
                + "-Xmx64m%n%n"));
        LargeMessageCheck.Result r = LargeMessageCheck.runInChildJvm(100L << 20, "-Xmx64m");
        memoryVerdict = r.passed() ? "PASS" : "FAIL";
        print(String.format(Locale.ROOT, "| method | attachment | sender heap | exit | time | SHA-256 sent | "
                        + "SHA-256 at sink | result |%n|---|---:|---|---:|---:|---|---|---|%n"
                        + "| DATA (pool 1) | %d MB | -Xmx64m | %d | %.1f s | %s… | %s… | %s |%n",
                r.bytes() >> 20, r.exitCode(), r.seconds(), r.sentSha().substring(0, 16),
                r.receivedSha() == null ? "none" : r.receivedSha().substring(0, 16), memoryVerdict));
        print("| BDAT | – | – | – | – | – | – | not measured: no CHUNKING in the engine |\n");
    }

    // ---------------------------------------------------------------------------------------- targets

    private Row row(int recipients, int rtt, String sender) {
        return rows.get(key("fast sink (PIPELINING)", recipients, rtt, sender));
    }

    private void check(String target, boolean ok, String detail) {
        checked++;
        passed += ok ? 1 : 0;
        verdicts.add((ok ? "PASS " : "FAIL ") + target + ": " + detail);
    }

    private void targets() {
        String spring = "JavaMailSenderImpl";
        String p1 = "PipelinedMailSender pool 1 DATA";
        String p4 = "PipelinedMailSender pool 4 DATA";
        for (int rc : new int[] {1, 10}) {
            Row d = row(rc, 50, p1);
            Row s = row(rc, 50, spring);
            check("RTT 50, " + rc + " rcpt, pool 1 DATA: <= 1.1 round trips/msg", d.roundTripsPerMessage <= 1.1,
                    fmt("%.3f", d.roundTripsPerMessage));
            check("RTT 50, " + rc + " rcpt, pool 1 DATA: >= 4x JavaMailSenderImpl", d.perSecond >= 4 * s.perSecond,
                    fmt("%.1fx", d.perSecond / s.perSecond));
            verdicts.add("SKIP RTT 50, " + rc + " rcpt, pool 1 BDAT: >= 20x JavaMailSenderImpl: no CHUNKING in the engine");
            Row q = row(rc, 50, p4);
            check("RTT 50, " + rc + " rcpt, pool 4 >= 3.5x pool 1", q.perSecond >= 3.5 * d.perSecond,
                    fmt("%.2fx", q.perSecond / d.perSecond));
        }
        for (int rc : new int[] {1, 10}) {
            for (int rtt : new int[] {10, 50}) {
                for (int pool : new int[] {1, 4}) {
                    Row ours = row(rc, rtt, "PipelinedMailSender pool " + pool + " DATA");
                    Row vertx = row(rc, rtt, "Vert.x mail client pool " + pool);
                    check("RTT " + rtt + ", " + rc + " rcpt, pool " + pool + ": ahead of Vert.x",
                            ours.perSecond > vertx.perSecond, fmt("%.2fx (%.0f vs %.0f msg/s)",
                                    ours.perSecond / vertx.perSecond, ours.perSecond, vertx.perSecond));
                }
            }
        }
        for (int rc : new int[] {1, 10}) {
            Row d = row(rc, 0, p1);
            Row s = row(rc, 0, spring);
            check("RTT 0, " + rc + " rcpt, pool 1 DATA: >= 1.5x JavaMailSenderImpl", d.perSecond >= 1.5 * s.perSecond,
                    fmt("%.2fx (%.0f vs %.0f msg/s)", d.perSecond / s.perSecond, d.perSecond, s.perSecond));
        }
        check("100 MB message by DATA with -Xmx64m, checksum at the sink", memoryVerdict.equals("PASS"), memoryVerdict);
        verdicts.add("SKIP 100 MB message by BDAT: no CHUNKING in the engine");
        print(String.format(Locale.ROOT, "%n## Targets (issue 6)%n%n"));
        for (String v : verdicts) {
            print("- " + v + "\n");
        }
        print(String.format(Locale.ROOT, "%n%d of %d checked targets passed%n", passed, checked));
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private String benchLine() {
        Row d = row(1, 50, "PipelinedMailSender pool 1 DATA");
        Row q = row(1, 50, "PipelinedMailSender pool 4 DATA");
        Row s = row(1, 50, "JavaMailSenderImpl");
        Row v1 = row(1, 50, "Vert.x mail client pool 1");
        Row v4 = row(1, 50, "Vert.x mail client pool 4");
        Row l0 = row(1, 0, "PipelinedMailSender pool 1 DATA");
        Row s0 = row(1, 0, "JavaMailSenderImpl");
        return fmt("bench: rtt_ms=50 data_rtt_per_msg=%.2f speedup_data=%.1f speedup_pool4=%.1f vs_vertx_pool1=%.1f "
                        + "vs_vertx_pool4=%.1f loopback_speedup=%.2f bdat=not_measured memory_data=%s targets_passed=%d/%d",
                d.roundTripsPerMessage, d.perSecond / s.perSecond, q.perSecond / s.perSecond, d.perSecond / v1.perSecond,
                q.perSecond / v4.perSecond, l0.perSecond / s0.perSecond, memoryVerdict, passed, checked);
    }

}
