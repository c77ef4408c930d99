package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.OutgoingMessage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One caller's messages handed to the {@link FlightDispatcher}: queued until a lane takes them into
 * a flight, then in that flight until its ledgers come back. Its state and fields are guarded by the
 * dispatcher's lock; {@link #result} completes once, with this caller's ledgers only.
 */
final class Submission {

    /** Where a submission stands; transitions: QUEUED → IN_FLIGHT → DONE, QUEUED → WITHDRAWN. */
    enum State {
        /** Waiting in the dispatcher's queue: nothing of it is written; it can still be withdrawn. */
        QUEUED,
        /** Taken into a lane's flight: reported by the usual rules from now on. */
        IN_FLIGHT,
        /** Its ledgers came back. */
        DONE,
        /** Removed from the queue (wait bound, interrupt, cancellation): FAILED, nothing written. */
        WITHDRAWN
    }

    final List<OutgoingMessage> messages;
    final long deadlineNanos;
    final CompletableFuture<BatchDelivery.Outcome> result = new CompletableFuture<>();
    State state = State.QUEUED;
    /** The flight it is in, while IN_FLIGHT. */
    Lane lane;
    /** Its caller was interrupted while it was in a flight. */
    boolean interrupted;
    /** The timer that withdraws it at the deadline, cancelled once a lane takes it. */
    ScheduledFuture<?> expiry;

    Submission(List<OutgoingMessage> messages, long deadlineNanos) {
        this.messages = messages;
        this.deadlineNanos = deadlineNanos;
    }

    boolean transition(State from, State to) {
        if (state != from) {
            return false;
        }
        state = to;
        return true;
    }
}
