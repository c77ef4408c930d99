package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * The submissions of one {@link Lane}'s call in progress, late joiners included, and the call's
 * numbering of their messages: whose each message is, which were answered early, and the round
 * trips already given to submissions completed early; and how each submission gets its own ledgers
 * from the call (early, or when the call ends, with the round trips shared out so that they add up
 * over the callers). Everything here is guarded by the dispatcher's lock ({@link FlightQueue#lock}):
 * a method named {@code ...Locked} is called holding it, the others take it themselves; results are
 * completed after it is released.
 */
final class FlightRiders {

    private final FlightQueue queue;
    /** The submissions of the call in progress, late joiners included; guarded by the dispatcher's lock. */
    List<Submission> flight = List.of();
    /** Per message of the call in progress (the call's numbering): whose it is; guarded by the lock. */
    private final List<Submission> owners = new ArrayList<>();
    /** Per message of the call in progress: its ledger once answered early, else null; guarded by the lock. */
    private final List<MessageLedger> answered = new ArrayList<>();
    /** Round trips of the call in progress already given to submissions completed early; guarded by the lock. */
    private long roundTripsGiven;

    FlightRiders(FlightQueue queue) {
        this.queue = queue;
    }

    /** Starts the numbering of a call that sends {@code taken}; returns their messages in the call's order. */
    List<OutgoingMessage> begin(List<Submission> taken) {
        List<OutgoingMessage> combined = new ArrayList<>();
        synchronized (queue.lock) {
            flight = new ArrayList<>(taken);
            owners.clear();
            answered.clear();
            roundTripsGiven = 0;
            for (Submission s : taken) {
                join(s, combined);
            }
        }
        return combined;
    }

    /** Makes {@code s} part of the call in progress: its messages are numbered next; under the lock. */
    private void join(Submission s, List<OutgoingMessage> combined) {
        for (OutgoingMessage m : s.messages) {
            owners.add(s);
            answered.add(null);
            combined.add(m);
        }
    }

    /** A late joiner boards the call in progress: it rides it and its messages are numbered next; under the lock. */
    void joinLocked(Submission s, List<OutgoingMessage> joined) {
        flight.add(s);
        join(s, joined);
    }

    /** Whether every submission of the call not yet answered was interrupted by its caller; under the lock. */
    boolean onlyInterruptedLocked() {
        return flight.stream().allMatch(x -> x.interrupted || x.state == Submission.State.DONE);
    }

    /** A message of the call is over before the call ends: its caller gets its ledgers once all are. */
    void answered(int message, MessageLedger ledger, long roundTrips) {
        Submission s;
        BatchDelivery.Outcome outcome;
        synchronized (queue.lock) {
            answered.set(message, ledger);
            s = owners.get(message);
            int first = owners.indexOf(s);
            List<MessageLedger> mine = answered.subList(first, first + s.messages.size());
            if (s.state != Submission.State.IN_FLIGHT || mine.contains(null)) {
                return;
            }
            long share = Math.max(0, roundTrips - roundTripsGiven);
            roundTripsGiven += share;
            outcome = new BatchDelivery.Outcome(List.copyOf(mine), share, null);
            queue.doneLocked(s);
        }
        s.result.complete(outcome);
    }

    /** The submissions of the call, late joiners included, in the call's order. */
    List<Submission> riders() {
        synchronized (queue.lock) {
            return List.copyOf(flight);
        }
    }

    /**
     * Each submission's ledgers from the call's result, and the round trips not yet given to
     * those completed early, shared in proportion to messages so that they add up over the callers.
     */
    List<BatchDelivery.Outcome> split(List<Submission> all, PooledDelivery.Result result) {
        long left;
        int waiting = 0;
        synchronized (queue.lock) {
            left = Math.max(0, result.roundTrips() - roundTripsGiven);
            for (Submission s : all) {
                waiting += s.state == Submission.State.IN_FLIGHT ? s.messages.size() : 0;
            }
        }
        List<BatchDelivery.Outcome> outcomes = new ArrayList<>(all.size());
        int from = 0;
        long toGive = left;
        int counted = 0;
        for (Submission s : all) {
            int size = s.messages.size();
            List<MessageLedger> ledgers = List.copyOf(result.ledgers().subList(from, from + size));
            from += size;
            long share = 0;
            synchronized (queue.lock) {
                if (s.state == Submission.State.IN_FLIGHT) {
                    counted += size;
                    share = counted == waiting ? toGive : left * size / waiting;
                    toGive -= share;
                }
            }
            outcomes.add(new BatchDelivery.Outcome(ledgers, share, null));
        }
        return outcomes;
    }

    /** Completes each submission not completed early (interrupted callers' results are ignored). */
    void finish(List<Submission> taken, List<BatchDelivery.Outcome> outcomes, RuntimeException e) {
        List<Integer> open = new ArrayList<>();
        synchronized (queue.lock) {
            for (int k = 0; k < taken.size(); k++) {
                Submission s = taken.get(k);
                if (s.state == Submission.State.IN_FLIGHT) {
                    queue.doneLocked(s);
                    open.add(k);
                }
            }
        }
        for (int k : open) {
            if (e != null) {
                taken.get(k).result.completeExceptionally(e);
            } else {
                taken.get(k).result.complete(outcomes.get(k));
            }
        }
    }
}
