package io.github.pipeliningsmtp.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The state a {@link FlightDispatcher}'s callers and lanes share, and its guarded transitions: the
 * queue of submissions no lane has taken yet, the messages queued and in flight, the lanes running
 * and those collecting (waiting for a connection or about to take from the queue), and whether the
 * dispatcher is closed.
 *
 * <p>One lock, {@link #lock}, guards this state, every {@link Submission}'s state and fields, and
 * each {@link Lane}'s call in progress (its {@link FlightRiders}, its {@link Lane#stopped} flag and
 * its {@link Lane#call} count): the dispatcher's lock. A method named {@code ...Locked} is a step of
 * a critical section and is called holding it, so that a queue step and the caller's own state
 * change in one section (as a lane taking its share also starts its next call and may count one more
 * lane); the other methods take it themselves, each for one whole section. Results are completed
 * after the lock is released, never under it.
 */
final class FlightQueue {

    /** The dispatcher's lock: see the class comment for what it guards. */
    final Object lock = new Object();
    private final int maxLanes;
    private final ArrayDeque<Submission> queue = new ArrayDeque<>();
    private int queuedMessages;
    private int inFlightMessages;
    private int lanes;
    /** Lanes waiting for a connection or about to take from the queue. */
    private int collecting;
    private boolean closed;

    /** @param maxLanes the most lanes at once: the pool's {@code max-connections} */
    FlightQueue(int maxLanes) {
        this.maxLanes = maxLanes;
    }

    /** Messages waiting in the queue for a lane now. */
    int queued() {
        synchronized (lock) {
            return queuedMessages;
        }
    }

    /** Messages in a lane's flight now. */
    int inFlight() {
        synchronized (lock) {
            return inFlightMessages;
        }
    }

    /** Queues {@code s}, or false once closed (nothing queued); under the lock. */
    boolean addLocked(Submission s) {
        if (closed) {
            return false;
        }
        queue.add(s);
        queuedMessages += s.messages.size();
        return true;
    }

    /**
     * Counts one more lane, running and collecting, when the pool allows one and fewer lanes collect
     * than submissions are queued; true when the caller must start it. Under the lock.
     */
    boolean reserveLaneLocked() {
        boolean start = lanes < maxLanes && collecting < queue.size();
        if (start) {
            lanes++;
            collecting++;
        }
        return start;
    }

    /** A lane counted in {@code lanes} and {@code collecting} is gone (it could not start, or an Error ended it). */
    void laneGone() {
        synchronized (lock) {
            collecting--;
            lanes--;
        }
    }

    /** Stops new submissions: {@link #addLocked} refuses from now on. */
    void close() {
        synchronized (lock) {
            closed = true;
        }
    }

    /** Removes a submission still waiting in the queue; false once a lane took it (or it ended). */
    boolean withdraw(Submission s) {
        synchronized (lock) {
            return withdrawLocked(s);
        }
    }

    private boolean withdrawLocked(Submission s) {
        if (!s.transition(Submission.State.QUEUED, Submission.State.WITHDRAWN)) {
            return false;
        }
        queue.remove(s);
        queuedMessages -= s.messages.size();
        if (s.expiry != null) {
            s.expiry.cancel(false);
        }
        return true;
    }

    /**
     * How long (ns) the head of the queue may still wait for a connection; null when the queue is
     * empty, and then the collecting lane that asks is gone (uncounted).
     */
    Long headWaitOrLeave() {
        synchronized (lock) {
            Submission head = queue.peek();
            if (head == null) {
                collecting--;
                lanes--;
                return null;
            }
            return head.deadlineNanos - System.nanoTime();
        }
    }

    /**
     * After a lane's call: false when the queue is empty (the lane is gone, uncounted), else the
     * lane collects again (counted in {@code collecting}). Under the lock.
     */
    boolean collectAgainLocked() {
        if (queue.isEmpty()) {
            lanes--;
            return false;
        }
        collecting++;
        return true;
    }

    /**
     * A collecting lane's share of the queue, polled and boarded on {@code lane} (see
     * {@link Lane}'s take): with DATA an equal part among the pool's max-connections lanes, with BDAT
     * an equal part among the lanes collecting now; no more messages than {@code capacity} (at least
     * one submission). The lane no longer counts as collecting. Under the lock.
     */
    List<Submission> takeLocked(Lane lane, int capacity, boolean chunking) {
        // with DATA every message of a flight costs a round trip: a burst spreads over the lanes the
        // pool allows; with BDAT a flight costs about one round trip whatever it carries: take more
        int lanesToShare = chunking ? collecting : maxLanes;
        int share = (queue.size() + lanesToShare - 1) / lanesToShare;
        List<Submission> taken = new ArrayList<>(share);
        int messages = 0;
        while (taken.size() < share && !queue.isEmpty()
                && (taken.isEmpty() || messages + queue.peek().messages.size() <= capacity)) {
            Submission s = queue.poll();
            messages += s.messages.size();
            boardLocked(s, lane);
            taken.add(s);
        }
        collecting--;
        return taken;
    }

    /** How many submissions a lane's call in progress may take as late joiners now: its share. Under the lock. */
    int joinerShareLocked() {
        return (queue.size() + collecting) / (collecting + 1);
    }

    /**
     * The head of the queue, polled, when its messages fit beside {@code taken} within {@code max};
     * else null and it stays queued. Under the lock.
     */
    Submission pollJoinerLocked(int taken, int max) {
        if (!queue.isEmpty() && taken + queue.peek().messages.size() <= max) {
            return queue.poll();
        }
        return null;
    }

    /** Ends a submission just polled that cannot be sent (its result completes exceptionally); under the lock. */
    void refuseLocked(Submission s) {
        queuedMessages -= s.messages.size();
        s.state = Submission.State.DONE;
        s.expiry.cancel(false);
    }

    /** Moves a submission just polled from the queue into {@code lane}'s call; under the lock. */
    void boardLocked(Submission s, Lane lane) {
        queuedMessages -= s.messages.size();
        s.state = Submission.State.IN_FLIGHT;
        s.lane = lane;
        s.expiry.cancel(false);
        inFlightMessages += s.messages.size();
    }

    /** A submission in a flight got its ledgers (its result completes after the lock); under the lock. */
    void doneLocked(Submission s) {
        s.state = Submission.State.DONE;
        inFlightMessages -= s.messages.size();
    }

    /**
     * Withdraws every queued submission (or only those past their wait bound at {@code now}) and
     * returns them, for their caller to complete FAILED.
     */
    List<Submission> withdrawQueued(boolean expiredOnly, long now) {
        List<Submission> failed = new ArrayList<>();
        synchronized (lock) {
            for (Iterator<Submission> it = queue.iterator(); it.hasNext(); ) {
                Submission s = it.next();
                if (!expiredOnly || s.deadlineNanos - now <= TimeUnit.MILLISECONDS.toNanos(1)) {
                    it.remove();
                    s.state = Submission.State.WITHDRAWN;
                    s.expiry.cancel(false);
                    queuedMessages -= s.messages.size();
                    failed.add(s);
                }
            }
        }
        return failed;
    }
}
