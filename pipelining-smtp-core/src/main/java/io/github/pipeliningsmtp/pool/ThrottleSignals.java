package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.RetireReason;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.ThrottleKind;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.time.Duration;
import java.util.Optional;

/**
 * The listener the pool gives its connections: passes everything on to the application's listener,
 * tells it of throttling replies ({@link SmtpListener#throttled}), and feeds the
 * {@link ConcurrencyLimit}: a 4yz greeting or a {@link ThrottleKind#CONCURRENCY} reply is a
 * refusal, a 2yz to the end of data (or to a BDAT chunk) a success; and feeds the send rate limit
 * the same way ({@link SendRateLimit#relayRefusedRate()} at a {@link ThrottleKind#RATE} reply,
 * {@link SendRateLimit#relayAccepted()} at each success), so that it slows its pace. Called on the
 * threads that read connections; thread-safe.
 */
final class ThrottleSignals implements SmtpListener {

    private final SmtpListener listener;
    private final ConcurrencyLimit limit;
    private final SendRateLimit rateLimit;

    ThrottleSignals(SmtpListener listener, ConcurrencyLimit limit, SendRateLimit rateLimit) {
        this.listener = listener;
        this.limit = limit;
        this.rateLimit = rateLimit;
    }

    @Override
    public void replyReceived(String command, SmtpReply reply) {
        listener.replyReceived(command, reply);
        Optional<ThrottleKind> kind = ThrottleKind.classify(reply);
        kind.ifPresent(k -> listener.throttled(k, command, reply));
        if (kind.orElse(null) == ThrottleKind.CONCURRENCY
                || ("GREETING".equals(command) && reply.isTransientNegative())) {
            limit.refused();
        } else if (kind.orElse(null) == ThrottleKind.RATE) {
            rateLimit.relayRefusedRate();
        } else if (reply.isPositiveCompletion() && ("END_OF_DATA".equals(command) || "BDAT".equals(command))) {
            limit.succeeded();
            rateLimit.relayAccepted();
        }
    }

    @Override
    public void roundTrip() {
        listener.roundTrip();
    }

    @Override
    public void connectionOpened() {
        listener.connectionOpened();
    }

    @Override
    public void connectionRetired(RetireReason reason) {
        listener.connectionRetired(reason);
    }

    @Override
    public void batchCompleted(SendReport report, Duration elapsed) {
        listener.batchCompleted(report, elapsed);
    }

    @Override
    public void throttled(ThrottleKind kind, String command, SmtpReply reply) {
        listener.throttled(kind, command, reply);
    }

    @Override
    public void retrying(int messages, int recipients, Duration backOff) {
        listener.retrying(messages, recipients, backOff);
    }

    @Override
    public void retryWaited(Duration waited) {
        listener.retryWaited(waited);
    }

    @Override
    public void concurrencyLimitChanged(int newLimit) {
        listener.concurrencyLimitChanged(newLimit);
    }
}
