package io.github.pipeliningsmtp.autoconfigure.shared;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of an application, each in its own JVM with its own pool of 4 connections, share a
 * budget of 20 messages per second kept in a real PostgreSQL (scripts/postgres/start.sh) and send
 * as fast as it lets them for 30 s to one sink: together they stay within 20/s (plus at most one
 * second's worth) in every 1 s window and over the run, they use the budget (at least 90 % of it),
 * and every message is
 * delivered exactly once. Run with -Ppostgres.
 */
@Tag("postgres")
class SharedRateLimitAcrossInstancesIT {

    private static final int RATE = 20;
    private static final long RUN_MILLIS = 30_000;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final Pattern RESULT = Pattern.compile(
            "RESULT name=(\\S+) sent=(\\d+) succeeded=(\\d+) failed=(\\d+) unknown=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void twoInstancesTogetherKeepToTheSharedBudget() throws Exception {
        PostgresFixture pg = PostgresFixture.running();
        MailFromTimes mailFroms = new MailFromTimes();
        String key = "two-jvm-" + UUID.randomUUID();
        try (ScriptedSmtpServer sink = ScriptedSmtpServer.start()) {
            sink.setDefaultScript(StandardSession.builder().mailReply((s, in) -> {
                mailFroms.record();
                return null;
            }).build());
            List<Process> children = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                children.add(start(name, sink.port(), pg, key));
            }
            for (String name : List.of("a", "b")) {
                awaitFile(dir.resolve(name + ".ready"), children);
            }
            long startNanos = System.nanoTime();
            Files.writeString(dir.resolve("go.tmp"), Long.toString(System.currentTimeMillis()));
            Files.move(dir.resolve("go.tmp"), dir.resolve("go"));
            long succeeded = 0;
            List<String> results = new ArrayList<>();
            for (int i = 0; i < children.size(); i++) {
                Process p = children.get(i);
                assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("instance %s ends", i).isTrue();
                String out = Files.readString(dir.resolve((i == 0 ? "a" : "b") + ".out"));
                assertThat(p.exitValue()).as(out).isZero();
                Matcher m = RESULT.matcher(out);
                assertThat(m.find()).as(out).isTrue();
                results.add(m.group());
                out.lines().filter(l -> l.contains("WARN") || l.contains("rate limit")).forEach(System.out::println);
                assertThat(Long.parseLong(m.group(4))).as(m.group()).isZero();
                assertThat(Long.parseLong(m.group(5))).as(m.group()).isZero();
                assertThat(Long.parseLong(m.group(3))).as("each instance gets a share: " + m.group()).isPositive();
                succeeded += Long.parseLong(m.group(3));
            }
            List<Long> times = mailFroms.sorted();
            int maxPerSecond = MailFromTimes.maxInWindow(times, SECOND);
            // both send until 30 s after the go; measured over the first 25 s from the first MAIL FROM,
            // when both are surely sending (the last batches end after the 30 s)
            long first = times.get(0);
            long steady = mailFroms.between(first, first + 25 * SECOND);
            double spanSeconds = (times.get(times.size() - 1) - first) / 1e9;
            System.out.printf("two instances, shared budget %d/s: %s; MAIL FROM total=%d over %.1f s (%.2f/s), "
                    + "in the first 25 s=%d, max in any 1 s window=%d, first MAIL FROM %.2f s after the go%n", RATE,
                    results, times.size(), spanSeconds, times.size() / spanSeconds, steady, maxPerSecond,
                    (first - startNanos) / 1e9);
            assertThat(maxPerSecond).as("most MAIL FROMs in any 1 s window").isLessThanOrEqualTo(2 * RATE);
            assertThat((double) times.size()).as("MAIL FROMs over the whole run")
                    .isLessThanOrEqualTo(RATE * spanSeconds + RATE);
            // not exceeded (one second's worth at most over it), and used: at least 90 % of it (each
            // budget call opens a PostgreSQL connection here, no pool, on a machine the two JVMs share)
            assertThat(steady).as("MAIL FROMs in 25 s: the budget is used, not exceeded")
                    .isBetween(25L * RATE * 9 / 10, 25L * RATE + RATE);
            // every message once: one MAIL FROM and one stored message each, no X-Seq twice
            List<StoredMessage> stored = sink.messages();
            Set<String> seqs = new HashSet<>();
            for (StoredMessage s : stored) {
                assertThat(seqs.add(s.header("X-Seq").orElseThrow())).as("delivered once").isTrue();
            }
            assertThat(stored).hasSize((int) succeeded);
            assertThat(times).hasSize((int) succeeded);
        }
    }

    private Process start(String name, int sinkPort, PostgresFixture pg, String key) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Xmx256m",
                SharedBudgetInstance.class.getName(), name, Integer.toString(sinkPort), pg.url, pg.user, pg.password,
                key, Integer.toString(RATE), Long.toString(RUN_MILLIS), dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".out").toFile()).start();
    }

    private static void awaitFile(Path file, List<Process> children) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(file)) {
            for (Process p : children) {
                assertThat(p.isAlive()).as("an instance ended before it was ready").isTrue();
            }
            assertThat(System.nanoTime()).as("instance ready within 60 s: " + file).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
