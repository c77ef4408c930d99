package io.github.pipeliningsmtp.autoconfigure.metrics;

import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.ThrottleKind;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The pacing meters of one sender, tagged {@code name=<bean name>}:
 * <ul>
 *   <li>{@code smtp.pipelining.throttled} {kind=rate|concurrency|quota|login-rate|idle-timeout|
 *       connection-limit|closing, command}: replies recognised as throttling;</li>
 *   <li>{@code smtp.pipelining.retries}: recipients sent again by automatic retry;</li>
 *   <li>{@code smtp.pipelining.retry.wait} timer: time spent waiting between attempts;</li>
 *   <li>{@code smtp.pipelining.pool.concurrency.limit} gauge: connections that may be in use at
 *       once now (adaptive concurrency).</li>
 * </ul>
 * Thread-safe.
 */
final class PacingMeters implements SmtpListener {

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter retries;
    private final Timer waits;

    PacingMeters(MeterRegistry registry, String name, PipelinedMailSender sender) {
        this.registry = registry;
        this.tags = Tags.of("name", name);
        this.retries = Counter.builder("smtp.pipelining.retries").tags(tags)
                .description("Recipients sent again by automatic retry").register(registry);
        this.waits = Timer.builder("smtp.pipelining.retry.wait").tags(tags)
                .description("Time automatic retry waited between attempts").register(registry);
        Gauge.builder("smtp.pipelining.pool.concurrency.limit", sender.pool(), p -> p.concurrencyLimit()).tags(tags)
                .description("Connections that may be in use at once (adaptive concurrency)").register(registry);
    }

    private Counter throttled(ThrottleKind kind, String command) {
        return Counter.builder("smtp.pipelining.throttled").tags(tags).tag("kind", kind.tag()).tag("command", command)
                .description("Replies recognised as throttling, by kind").register(registry);
    }

    @Override
    public void throttled(ThrottleKind kind, String command, SmtpReply reply) {
        throttled(kind, command).increment();
    }

    @Override
    public void retrying(int messages, int recipients, Duration backOff) {
        retries.increment(recipients);
    }

    @Override
    public void retryWaited(Duration waited) {
        waits.record(waited);
    }
}
