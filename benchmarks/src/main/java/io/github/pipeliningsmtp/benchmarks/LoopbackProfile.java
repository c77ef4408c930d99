package io.github.pipeliningsmtp.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sends batches of 1,000 messages on plain loopback with one contender for a while, to profile it
 * alone (run under JFR: {@code java -XX:StartFlightRecording=...}), and prints its messages/s and
 * the CPU per message of its sending threads ({@link SendingThreadsCpu}), the first batch (JIT
 * warm-up) not counted. Arguments:
 * {@code spring|pool1|bdat1|pool4|vertx1 [seconds] [recipients] [postfix]}: to a {@link FastSmtpSink}
 * ({@code bdat1} to its CHUNKING variant), or with {@code postfix} to the Postfix of
 * scripts/mta/start.sh ({@link Postfix}).
 */
public final class LoopbackProfile {

    private LoopbackProfile() {
    }

    public static void main(String[] args) throws Exception {
        Contender contender = switch (args[0]) {
            case "spring" -> new SpringContender();
            case "pool1" -> new PipelinedContender(1);
            case "bdat1" -> new PipelinedContender(1, true);
            case "pool4" -> new PipelinedContender(4);
            case "vertx1" -> new VertxContender(1);
            default -> throw new IllegalArgumentException(args[0]);
        };
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 15;
        int recipients = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Postfix postfix = args.length > 3 && args[3].equals("postfix") ? Postfix.find() : null;
        if (args.length > 3 && postfix == null) {
            throw new IllegalStateException("Postfix not running (scripts/mta/start.sh)");
        }
        List<String> to = Messages.recipients(recipients, postfix != null ? Postfix.DOMAIN : "example.org");
        try (FastSmtpSink sink = contender.chunking() ? FastSmtpSink.startWithChunking() : FastSmtpSink.start()) {
            String host = postfix != null ? postfix.host() : "127.0.0.1";
            int port = postfix != null ? postfix.port() : sink.port();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long sent = 0;
            long sendNanos = 0;
            long cpuNanos = 0;
            boolean warmUp = true;
            while (warmUp || System.nanoTime() < end) {
                try (Contender.Batch batch = contender.prepare(host, port, 1000, to)) {
                    Map<Long, Long> before = SendingThreadsCpu.snapshot();
                    long t0 = System.nanoTime();
                    int ok = batch.send();
                    long t1 = System.nanoTime();
                    long cpu = SendingThreadsCpu.since(before);
                    if (!warmUp) {
                        // the first batch warms the JIT up and is not counted
                        sent += ok;
                        sendNanos += t1 - t0;
                        cpuNanos += cpu;
                    }
                    warmUp = false;
                }
            }
            System.out.printf(Locale.ROOT, "%s to %s: %d messages, %.0f msg/s while sending, %.0f µs CPU/msg"
                            + " (sending threads)%n", contender.name(), postfix != null ? "Postfix " + postfix.version() : "the sink", sent,
                    sent / (sendNanos / 1e9), cpuNanos / 1e3 / sent);
        } finally {
            VertxContender.shutdown();
        }
        System.exit(0);
    }
}
