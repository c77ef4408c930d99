package io.github.pipeliningsmtp.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * Sends batches of 1,000 messages on plain loopback to a {@link FastSmtpSink} with one contender for
 * a while, to profile it alone (run under JFR: {@code java -XX:StartFlightRecording=...}).
 * Arguments: {@code spring|pool1|bdat1|pool4|vertx1 [seconds] [recipients]} ({@code bdat1} sends to the
 * sink's CHUNKING variant).
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
        List<String> to = Messages.recipients(args.length > 2 ? Integer.parseInt(args[2]) : 1);
        try (FastSmtpSink sink = contender.chunking() ? FastSmtpSink.startWithChunking() : FastSmtpSink.start()) {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long sent = 0;
            long sendNanos = 0;
            while (System.nanoTime() < end) {
                try (Contender.Batch batch = contender.prepare("127.0.0.1", sink.port(), 1000, to)) {
                    long t0 = System.nanoTime();
                    sent += batch.send();
                    sendNanos += System.nanoTime() - t0;
                }
            }
            System.out.printf(Locale.ROOT, "%s: %d messages, %.0f msg/s while sending%n", contender.name(), sent,
                    sent / (sendNanos / 1e9));
        } finally {
            VertxContender.shutdown();
        }
        System.exit(0);
    }
}
