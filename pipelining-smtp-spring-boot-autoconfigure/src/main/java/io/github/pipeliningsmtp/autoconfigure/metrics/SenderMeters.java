package io.github.pipeliningsmtp.autoconfigure.metrics;

import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.RetireReason;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The meters of one sender, tagged {@code name=<bean name>} and nothing unbounded (no address):
 * <ul>
 *   <li>{@code smtp.pipelining.recipients} {outcome=succeeded|failed|unknown}: the ledgers; the
 *       outcomes partition the recipients, so after any batch the untagged sum equals the recipients
 *       sent;</li>
 *   <li>{@code smtp.pipelining.recipients.accepted}: recipients whose RCPT TO got a 2xx, whatever
 *       came next (a count of its own: it overlaps the outcomes, so it is not one of them);</li>
 *   <li>{@code smtp.pipelining.messages} {outcome=succeeded|partial|failed|unknown};</li>
 *   <li>{@code smtp.pipelining.replies} {command, class=2xx|3xx|4xx|5xx};</li>
 *   <li>{@code smtp.pipelining.round.trips};</li>
 *   <li>{@code smtp.pipelining.send} timer per batch;</li>
 *   <li>{@code smtp.pipelining.connections} {event=opened|retired, reason}, and gauges
 *       {@code smtp.pipelining.pool.active|idle|waiting};</li>
 *   <li>gauges {@code smtp.pipelining.messages.queued} (messages waiting in the shared queue for a
 *       flight) and {@code smtp.pipelining.messages.in.flight} (messages being sent).</li>
 * </ul>
 * Thread-safe.
 */
final class SenderMeters implements SmtpListener {

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter accepted;
    private final Counter succeeded;
    private final Counter failed;
    private final Counter unknown;
    private final Counter roundTrips;
    private final Counter opened;
    private final Timer send;

    SenderMeters(MeterRegistry registry, String name, PipelinedMailSender sender) {
        this.registry = registry;
        this.tags = Tags.of("name", name);
        this.accepted = Counter.builder("smtp.pipelining.recipients.accepted").tags(tags)
                .description("Recipients whose RCPT TO got a 2xx reply").register(registry);
        this.succeeded = recipients("succeeded");
        this.failed = recipients("failed");
        this.unknown = recipients("unknown");
        for (MessageStatus status : MessageStatus.values()) {
            messages(status);
        }
        this.roundTrips = Counter.builder("smtp.pipelining.round.trips").tags(tags)
                .description("Round trips: a write followed by a wait for replies").register(registry);
        this.opened = Counter.builder("smtp.pipelining.connections").tags(tags).tag("event", "opened").tag("reason", "new")
                .description("Connections opened and retired").register(registry);
        this.send = Timer.builder("smtp.pipelining.send").tags(tags).description("Time to send one batch")
                .register(registry);
        Gauge.builder("smtp.pipelining.pool.active", sender.pool(), p -> p.active()).tags(tags)
                .description("Connections lent out").register(registry);
        Gauge.builder("smtp.pipelining.pool.idle", sender.pool(), p -> p.idle()).tags(tags)
                .description("Connections idle in the pool").register(registry);
        Gauge.builder("smtp.pipelining.pool.waiting", sender.pool(), p -> p.waiting()).tags(tags)
                .description("Threads waiting for a connection").register(registry);
        Gauge.builder("smtp.pipelining.messages.queued", sender, s -> s.load().queued()).tags(tags)
                .description("Messages waiting in the shared queue for a flight").register(registry);
        Gauge.builder("smtp.pipelining.messages.in.flight", sender, s -> s.load().inFlight()).tags(tags)
                .description("Messages being sent").register(registry);
    }

    private Counter recipients(String outcome) {
        return Counter.builder("smtp.pipelining.recipients").tags(tags).tag("outcome", outcome)
                .description("Recipients by ledger outcome").register(registry);
    }

    private Counter messages(MessageStatus status) {
        return Counter.builder("smtp.pipelining.messages").tags(tags).tag("outcome", status.name().toLowerCase())
                .description("Messages by outcome").register(registry);
    }

    @Override
    public void batchCompleted(SendReport report, Duration elapsed) {
        accepted.increment(report.accepted());
        succeeded.increment(report.succeeded());
        failed.increment(report.failed());
        unknown.increment(report.unknown());
        for (SendReport.Entry e : report.entries()) {
            messages(e.ledger() == null ? MessageStatus.FAILED : e.ledger().status()).increment();
        }
        send.record(elapsed);
    }

    @Override
    public void replyReceived(String command, SmtpReply reply) {
        Counter.builder("smtp.pipelining.replies").tags(tags).tag("command", command)
                .tag("class", (reply.code() / 100) + "xx").description("Replies by command and class")
                .register(registry).increment();
    }

    @Override
    public void roundTrip() {
        roundTrips.increment();
    }

    @Override
    public void connectionOpened() {
        opened.increment();
    }

    @Override
    public void connectionRetired(RetireReason reason) {
        Counter.builder("smtp.pipelining.connections").tags(tags).tag("event", "retired").tag("reason", reason.tag())
                .description("Connections opened and retired").register(registry).increment();
    }
}
