package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The late-joiner tests' sends: one message per caller, each with a sender of its own, queued behind a held first flight. */
final class LateJoinerSends {

    private LateJoinerSends() {
    }

    static String sender(int i) {
        return "sender-" + i + "@example.com";
    }

    static OutgoingMessage single(int i) {
        return ClientFixtures.message(sender(i), 300, ClientFixtures.rcpt(i));
    }

    /**
     * Submits {@code first} alone, waits (5 s at most) until the server holds its flight
     * ({@code held}, counted down by the server's script), then queues each of {@code late} as a
     * caller of its own and checks they are all queued; returns the submissions, first first.
     */
    static List<BatchDelivery.Pending> behindHeldFirst(BatchDelivery delivery, OutgoingMessage first,
                                                       List<OutgoingMessage> late, CountDownLatch held,
                                                       String heldDescription) throws InterruptedException {
        List<BatchDelivery.Pending> pending = new ArrayList<>();
        pending.add(delivery.submit(List.of(first)));
        assertThat(held.await(5, TimeUnit.SECONDS)).as(heldDescription).isTrue();
        for (OutgoingMessage m : late) {
            pending.add(delivery.submit(List.of(m)));
        }
        assertThat(delivery.load().queued()).as("the late joiners are queued").isEqualTo(late.size());
        return pending;
    }
}
