package io.github.pipeliningsmtp.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A relay that counts messages in a rolling second (as the test fixtures' {@code ProviderSimulator}
 * and Amazon SES do) refuses now and then a sender that keeps exactly to its rate, because the time
 * each message takes to reach it varies by a few milliseconds; each refusal costs the budget of a
 * message and a retry at the end. With the back-off the pace drops a few percent after a refusal,
 * and the refusals (and the time they cost) mostly go. A model on the test's clock: one message
 * after another at the limit's pace, each reaching the relay 25 ms plus 0 to 20 ms (a seeded random)
 * after its budget is due, its reply seen by the limit 25 ms later, a refused message sent again
 * after the others.
 */
class PaceBackOffGivesJitterRoomTest {

    private static final long MS = 1_000_000;
    private static final int MESSAGES = 500;
    private static final int RATE = 10;

    /** What a run of the model gave. */
    private record Run(int refusals, long lastArrival, double pace) {
    }

    @Test
    void theBackOffKeepsMostRefusalsAwayAndTheRunNearTheRate() throws Exception {
        Run exact = run(RateBackOff.OFF);
        Run adaptive = run(RateBackOff.DEFAULT);
        double allowed = (double) MESSAGES / RATE * 1000 * MS;
        // at exactly the rate, jitter puts an 11th message into many a rolling second
        assertThat(exact.refusals()).isGreaterThan(MESSAGES / 20);
        assertThat(exact.lastArrival()).isGreaterThan((long) (allowed * 1.05));
        // backing off by 5 % gives the jitter room; the increases find the rate again
        assertThat(adaptive.refusals()).isLessThan(exact.refusals() / 3);
        assertThat(adaptive.lastArrival()).isLessThan((long) (allowed * 1.05));
        assertThat(adaptive.pace()).isGreaterThanOrEqualTo(RateBackOff.DEFAULT.floor());
    }

    private static Run run(RateBackOff backOff) throws Exception {
        FakeTime time = new FakeTime();
        LocalSendRateLimit limit = new LocalSendRateLimit(RateLimits.builder().messagesPerSecond(RATE).build(), 1,
                backOff, time, time);
        Random jitter = new Random(13);
        Deque<Long> window = new ArrayDeque<>();
        // replies on their way back: time seen, refused or not
        PriorityQueue<long[]> replies = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        int toSend = MESSAGES;
        int refusals = 0;
        long lastArrival = 0;
        while (toSend > 0) {
            while (!replies.isEmpty() && replies.peek()[0] <= time.now) {
                if (replies.poll()[1] == 1) {
                    limit.relayRefusedRate();
                } else {
                    limit.relayAccepted();
                }
            }
            limit.acquire(1, 1);
            long arrival = time.now + 25 * MS + jitter.nextInt(20_000) * 1_000L;
            while (!window.isEmpty() && arrival - window.peekFirst() >= 1000 * MS) {
                window.pollFirst();
            }
            boolean refused = window.size() >= RATE;
            if (refused) {
                refusals++;
            } else {
                window.addLast(arrival);
                toSend--;
                lastArrival = arrival;
            }
            replies.add(new long[] {arrival + 25 * MS, refused ? 1 : 0});
        }
        return new Run(refusals, lastArrival, limit.stats().pace());
    }
}
