package io.github.pipeliningsmtp.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pacing.RateLimitStats;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pool tells the send rate limit of the relay's rate refusals (a {@code ThrottleKind.RATE} reply
 * to any command) and of each accepted content (2yz to the end of data or to BDAT), so that it can
 * slow its pace; a concurrency refusal or any other reply is not a rate refusal.
 */
class RateRefusalsReachTheSendRateLimitTest {

    private final List<String> signals = new ArrayList<>();
    private final SendRateLimit rateLimit = new SendRateLimit() {
        @Override
        public Duration acquire(int messages, int recipients) {
            return Duration.ZERO;
        }

        @Override
        public void relayRefusedRate() {
            signals.add("refused");
        }

        @Override
        public void relayAccepted() {
            signals.add("accepted");
        }

        @Override
        public int burst() {
            return 1;
        }

        @Override
        public RateLimitStats stats() {
            return null;
        }
    };
    private final ConcurrencyLimit concurrency = new ConcurrencyLimit(8, true, 20, SmtpListener.NONE);
    private final ThrottleSignals throttle = new ThrottleSignals(SmtpListener.NONE, concurrency, rateLimit);

    @Test
    void rateRefusalsAndAcceptedContentsAreSignalled() {
        throttle.replyReceived("DATA", SmtpReply.of(454, "Throttling failure: Maximum sending rate exceeded"));
        throttle.replyReceived("MAIL", SmtpReply.of(450, "4.2.1 The user you are trying to contact is receiving mail"
                + " at a rate that prevents additional messages from being delivered"));
        throttle.replyReceived("END_OF_DATA", SmtpReply.of(250, "2.0.0 Ok: queued"));
        throttle.replyReceived("BDAT", SmtpReply.of(250, "2.0.0 Ok"));
        assertThat(signals).containsExactly("refused", "refused", "accepted", "accepted");
    }

    @Test
    void otherRepliesAreNotRateSignals() {
        throttle.replyReceived("DATA", SmtpReply.of(432, "4.3.2 Concurrent connections limit exceeded."));
        throttle.replyReceived("RCPT", SmtpReply.of(550, "5.1.1 No such user"));
        throttle.replyReceived("DATA", SmtpReply.of(354, "End data with <CR><LF>.<CR><LF>"));
        throttle.replyReceived("MAIL", SmtpReply.of(250, "2.1.0 Ok"));
        assertThat(signals).isEmpty();
        assertThat(concurrency.limit()).isEqualTo(4);
    }
}
