package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SessionFailures;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.pool.SmtpPoolTimeoutException;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Multiplexes small sends from many threads onto shared flights (the Lettuce model): a send is a
 * {@link Submission} in one queue shared by up to {@code pool.max-connections} <em>lanes</em>. A lane
 * is a thread of this dispatcher that borrows a pooled connection while there is work, takes what is
 * queued (its share when several lanes are waiting for connections at once) and sends it as one
 * {@link PooledDelivery} call on that connection, which goes on taking what arrives while it runs
 * (<em>late joiners</em>, {@link Lane#more}): with DATA, right before the call writes the content of
 * its open transaction, it takes the next queued submission and writes that message's MAIL FROM,
 * RCPT TO and DATA behind the content, so a busy lane costs one round trip per message for as long as
 * sends keep coming; with BDAT, what is queued when a flight is due goes into it (up to
 * {@code max-messages-in-flight} messages with replies outstanding, the window). A late joiner is a
 * whole submission from the head of the queue; a lane takes none when the connection may not carry
 * it (MAILMAX, RFC 9422 §4.1, or the pool's max-messages-per-connection: it stays queued for another
 * lane or connection), and no more than its share while other lanes wait for a connection. Each
 * caller gets its ledgers as soon as the content of each of its messages was answered, not when the
 * call ends. The call ends when nothing is queued as its last content is written; the lane ends when
 * the queue is empty.
 *
 * <p>Each submission gets exactly its own ledgers: {@link PooledDelivery}'s rules (RCPTMAX and 452
 * splits, the resend-once rule for messages whose MAIL FROM was never written, never-twice, UNKNOWN
 * never resent) apply per message inside the shared call, and a refusal of one message changes
 * nothing for the others. What the protocol forces is shared: a 421 or a broken connection ends the
 * flight for every message on it, each by the usual rules.
 *
 * <p>Bounds: a submission waits in the queue at most the pool's {@code max-wait}; then it is
 * withdrawn, FAILED (not sent) with the same {@link SmtpPoolTimeoutException} as a borrow timeout. An
 * interrupted caller whose submission is still queued gets it back at once, FAILED (not sent). One in
 * a flight: when every submission of the lane's call not yet answered (late joiners included) is
 * interrupted, the lane aborts its connection (the flight ends within moments, ledgers by the usual
 * rules, nothing started again, no late joiner taken); when the flight
 * carries other callers' messages too, the interrupted caller returns at once with its messages
 * UNKNOWN (the flight goes on for the others, and may deliver them), so that one caller's interrupt
 * never ends another caller's send. The pool's {@code close} ends flights as it ends any send.
 *
 * <p>Thread-safe; one lock guards the queue and every submission's state.
 */
final class FlightDispatcher implements AutoCloseable {

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final System.Logger LOG = System.getLogger(FlightDispatcher.class.getName());
    static final String INTERRUPTED = "the sending thread was interrupted";

    private final SmtpConnectionPool pool;
    private final PooledDelivery delivery;
    private final DeliveryOptions options;
    private final int maxLanes;
    private final Object lock = new Object();
    private final ArrayDeque<Submission> queue = new ArrayDeque<>();
    private int queuedMessages;
    private int inFlightMessages;
    private int lanes;
    /** Lanes waiting for a connection or about to take from the queue. */
    private int collecting;
    private boolean closed;
    private final ExecutorService laneThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "smtp-pipelining-send-lane-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "smtp-pipelining-queue-timer-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    FlightDispatcher(SmtpConnectionPool pool, PooledDelivery delivery, DeliveryOptions options) {
        this.pool = pool;
        this.delivery = delivery;
        this.options = options;
        this.maxLanes = pool.settings().maxConnections();
        timer.setRemoveOnCancelPolicy(true);
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

    /**
     * Queues the messages (addresses already checked) and returns their submission, whose result
     * completes on a lane thread or the timer; null once closed (send them another way).
     */
    Submission submit(List<OutgoingMessage> messages) {
        Duration maxWait = pool.settings().maxWait();
        Submission s = new Submission(messages, System.nanoTime() + maxWait.toNanos());
        boolean start;
        synchronized (lock) {
            if (closed) {
                return null;
            }
            queue.add(s);
            queuedMessages += messages.size();
            start = lanes < maxLanes && collecting < queue.size();
            if (start) {
                lanes++;
                collecting++;
            }
            s.expiry = timer.schedule(() -> expire(s), maxWait.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (start) {
            startLane();
        }
        return s;
    }

    /** Starts a lane already counted in {@code lanes} and {@code collecting}. */
    private void startLane() {
        try {
            laneThreads.execute(new Lane());
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            synchronized (lock) {
                lanes--;
                collecting--;
            }
            // the other lanes, or the wait bound, settle what is queued
        }
    }

    /**
     * Waits for the submission's ledgers (the caller's thread does no I/O). An interrupt is handled
     * as the class comment says and stays set for the caller.
     *
     * @throws IllegalArgumentException when one of its addresses or parameters could not be written safely
     */
    BatchDelivery.Outcome await(Submission s) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return s.result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    BatchDelivery.Outcome early = interrupted(s);
                    if (early != null) {
                        return early;
                    }
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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

    private void expire(Submission s) {
        if (withdraw(s)) {
            s.result.complete(notSent(s.messages, pool.timeout(null)));
        }
    }

    private BatchDelivery.Outcome interrupted(Submission s) {
        Lane lane;
        boolean withdrawn;
        synchronized (lock) {
            withdrawn = withdrawLocked(s);
        }
        if (withdrawn) {
            BatchDelivery.Outcome outcome = notSent(s.messages, new InterruptedIOException("not sent: " + INTERRUPTED));
            s.result.complete(outcome);
            return outcome;
        }
        long call;
        synchronized (lock) {
            if (s.state != Submission.State.IN_FLIGHT) {
                return null; // done: its result is there
            }
            s.interrupted = true;
            lane = s.lane;
            if (!lane.flight.stream().allMatch(x -> x.interrupted || x.state == Submission.State.DONE)) {
                return unknown(s.messages);
            }
            // under the lock that late joiners board under: none boards once the decision is taken
            lane.stopped = true;
            call = lane.call;
        }
        lane.stop(call);
        return null; // the flight ends within moments
    }

    /** Every message FAILED, nothing written, with the session's error for {@code e}. */
    private BatchDelivery.Outcome notSent(List<OutgoingMessage> messages, IOException e) {
        SmtpError error = SessionFailures.errorOf(e, pool.connectionSettings().tlsMode());
        List<MessageLedger> ledgers = new ArrayList<>(messages.size());
        for (OutgoingMessage m : messages) {
            ledgers.add(MessageLedger.notSent(m.envelope(), error));
        }
        return new BatchDelivery.Outcome(List.copyOf(ledgers), 0, e);
    }

    private static BatchDelivery.Outcome unknown(List<OutgoingMessage> messages) {
        SmtpError error = SmtpError.local(SmtpStep.MAIL_FROM, "outcome unknown: " + INTERRUPTED + " while the message"
                + " was in a flight shared with other callers' messages; that flight goes on, and may deliver it", null);
        List<MessageLedger> ledgers = new ArrayList<>(messages.size());
        for (OutgoingMessage m : messages) {
            ledgers.add(MessageLedger.unknown(m.envelope(), error));
        }
        return new BatchDelivery.Outcome(List.copyOf(ledgers), 0, null);
    }

    /** Stops new lanes; lanes running go on until the queue is empty (the pool's close ends their borrows). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        laneThreads.shutdown();
        timer.shutdown(); // scheduled wait bounds still fire
    }

    /** One lane: a thread that sends the queue's messages in flights on one pooled connection at a time. */
    final class Lane implements Runnable, PooledDelivery.Connections {

        /** The submissions of the call in progress, late joiners included; guarded by the dispatcher's lock. */
        List<Submission> flight = List.of();
        /** Per message of the call in progress (the call's numbering): whose it is; guarded by the lock. */
        private final List<Submission> owners = new ArrayList<>();
        /** Per message of the call in progress: its ledger once answered early, else null; guarded by the lock. */
        private final List<MessageLedger> answered = new ArrayList<>();
        /** Round trips of the call in progress already given to submissions completed early; guarded by the lock. */
        private long roundTripsGiven;
        /** The connection of the call in progress, set and cleared under {@link #connectionGuard}. */
        private volatile SmtpConnection current;
        /** Orders {@link #stop(long)}'s abort against the call's borrow and release of its connection. */
        private final Object connectionGuard = new Object();
        /** Set under the dispatcher's lock (cleared when a call is taken): the call in progress ends, takes no joiner. */
        private volatile boolean stopped;
        /** Counts the calls this lane has taken; written under the dispatcher's lock. */
        private volatile long call;
        /** The connection borrowed before the flight was taken, handed to the flight's first borrow. */
        private SmtpConnection held;

        @Override
        public void run() {
            boolean counted = true; // in collecting
            try {
                while (true) {
                    long waitNanos;
                    synchronized (lock) {
                        Submission head = queue.peek();
                        if (head == null) {
                            collecting--;
                            lanes--;
                            counted = false;
                            return;
                        }
                        waitNanos = head.deadlineNanos - System.nanoTime();
                    }
                    SmtpConnection connection;
                    try {
                        connection = pool.borrow(Duration.ofNanos(Math.max(0, waitNanos)));
                    } catch (SmtpPoolTimeoutException e) {
                        failQueued(true, e);
                        continue;
                    } catch (IOException e) {
                        failQueued(false, e);
                        continue;
                    } catch (RuntimeException | Error e) {
                        failQueued(false, new IOException("no SMTP connection: opening one failed inside the client: "
                                + e, e));
                        continue;
                    }
                    List<Submission> taken = take(capacity(connection), connection.isChunking());
                    counted = false;
                    if (taken.isEmpty()) {
                        pool.release(connection);
                    } else {
                        held = connection;
                        send(taken);
                    }
                    synchronized (lock) {
                        flight = List.of();
                        if (queue.isEmpty()) {
                            lanes--;
                            return;
                        }
                        collecting++;
                        counted = true;
                    }
                }
            } finally {
                if (counted) {
                    // only an Error of the lane itself gets here: let another lane take over
                    synchronized (lock) {
                        collecting--;
                        lanes--;
                    }
                }
            }
        }

        /** Messages the connection may still carry under the pool's max-messages-per-connection. */
        private int capacity(SmtpConnection connection) {
            int limit = pool.settings().maxMessagesPerConnection();
            return limit <= 0 ? Integer.MAX_VALUE : (int) Math.max(1, limit - connection.messagesSent());
        }

        /**
         * This lane's share of the queue: with DATA an equal part among the pool's max-connections
         * lanes (the rest is left to another lane, started here if the pool allows one more), with
         * BDAT an equal part among the lanes collecting now; and no more messages than the connection
         * may still carry (at least one submission).
         */
        private List<Submission> take(int capacity, boolean chunking) {
            boolean spare;
            List<Submission> taken;
            synchronized (lock) {
                // with DATA every message of a flight costs a round trip: a burst spreads over the lanes the
                // pool allows; with BDAT a flight costs about one round trip whatever it carries: take more
                int lanesToShare = chunking ? collecting : maxLanes;
                int share = (queue.size() + lanesToShare - 1) / lanesToShare;
                taken = new ArrayList<>(share);
                int messages = 0;
                while (taken.size() < share && !queue.isEmpty()
                        && (taken.isEmpty() || messages + queue.peek().messages.size() <= capacity)) {
                    Submission s = queue.poll();
                    messages += s.messages.size();
                    board(s);
                    taken.add(s);
                }
                collecting--;
                flight = taken;
                stopped = false;
                call++;
                spare = lanes < maxLanes && collecting < queue.size();
                if (spare) {
                    lanes++;
                    collecting++;
                }
            }
            if (spare) {
                startLane();
            }
            return taken;
        }

        /** Moves a submission just polled from the queue into this lane's call; under the lock. */
        private void board(Submission s) {
            queuedMessages -= s.messages.size();
            s.state = Submission.State.IN_FLIGHT;
            s.lane = this;
            s.expiry.cancel(false);
            inFlightMessages += s.messages.size();
        }

        /** Makes {@code s} part of the call in progress: its messages are numbered next; under the lock. */
        private void join(Submission s, List<OutgoingMessage> combined) {
            for (OutgoingMessage m : s.messages) {
                owners.add(s);
                answered.add(null);
                combined.add(m);
            }
        }

        /**
         * Late joiners for the call in progress (see the class comment): whole submissions from the
         * head of the queue, no more messages than {@code max} (what the connection may still carry;
         * a submission that does not fit stays queued for another lane), and no more submissions
         * than this lane's share while other lanes wait for a connection. A submission with an
         * address that cannot be written safely gets its {@link IllegalArgumentException} at once.
         */
        @Override
        public List<OutgoingMessage> more(int max) {
            List<OutgoingMessage> joined = new ArrayList<>();
            List<Submission> refused = new ArrayList<>();
            List<IllegalArgumentException> why = new ArrayList<>();
            synchronized (lock) {
                if (stopped) {
                    return List.of();
                }
                int share = (queue.size() + collecting) / (collecting + 1);
                int boarded = 0;
                while (boarded < share && !queue.isEmpty() && joined.size() + queue.peek().messages.size() <= max) {
                    Submission s = queue.poll();
                    IllegalArgumentException bad = unwritable(s);
                    if (bad != null) {
                        queuedMessages -= s.messages.size();
                        s.state = Submission.State.DONE;
                        s.expiry.cancel(false);
                        refused.add(s);
                        why.add(bad);
                        continue;
                    }
                    board(s);
                    flight.add(s);
                    join(s, joined);
                    boarded++;
                }
            }
            for (int k = 0; k < refused.size(); k++) {
                refused.get(k).result.completeExceptionally(why.get(k));
            }
            return joined;
        }

        private static IllegalArgumentException unwritable(Submission s) {
            try {
                for (OutgoingMessage m : s.messages) {
                    m.envelope().checkAddresses();
                }
                return null;
            } catch (IllegalArgumentException e) {
                return e;
            }
        }

        /** A message of the call is over before the call ends: its caller gets its ledgers once all are. */
        @Override
        public void answered(int message, MessageLedger ledger, long roundTrips) {
            Submission s;
            BatchDelivery.Outcome outcome;
            synchronized (lock) {
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
                s.state = Submission.State.DONE;
                inFlightMessages -= s.messages.size();
            }
            s.result.complete(outcome);
        }

        /** Every queued submission (or only those past their wait bound) FAILED with {@code e}. */
        private void failQueued(boolean expiredOnly, IOException e) {
            List<Submission> failed = new ArrayList<>();
            long now = System.nanoTime();
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
            for (Submission s : failed) {
                s.result.complete(notSent(s.messages, e));
            }
        }

        private void send(List<Submission> taken) {
            List<OutgoingMessage> combined = new ArrayList<>();
            synchronized (lock) {
                flight = new ArrayList<>(taken);
                owners.clear();
                answered.clear();
                roundTripsGiven = 0;
                for (Submission s : taken) {
                    join(s, combined);
                }
            }
            List<Submission> all;
            List<BatchDelivery.Outcome> outcomes = new ArrayList<>();
            try {
                PooledDelivery.Result result = delivery.deliver(combined, options.policy(), this);
                all = riders();
                outcomes = split(all, result);
            } catch (IOException e) {
                all = riders();
                for (Submission s : all) {
                    outcomes.add(notSent(s.messages, e));
                }
            } catch (IllegalArgumentException e) {
                // nothing was written: send each caller's messages alone, so that only the offender gets it
                releaseHeld();
                if (taken.size() == 1) {
                    finish(taken, null, e);
                    return;
                }
                for (Submission s : taken) {
                    send(List.of(s));
                }
                return;
            } catch (RuntimeException | Error e) {
                all = riders();
                LOG.log(Level.WARNING, "sending a flight of {0} messages failed inside the client: {1}",
                        combined.size(), e.toString());
                SmtpError error = SmtpError.local(SmtpStep.MAIL_FROM, "outcome unknown: sending failed inside the"
                        + " client (" + e + ") and this message's ledger was lost; it may have been delivered", e);
                for (Submission s : all) {
                    List<MessageLedger> ledgers = s.messages.stream()
                            .map(m -> MessageLedger.unknown(m.envelope(), error)).toList();
                    outcomes.add(new BatchDelivery.Outcome(ledgers, 0, null));
                }
            } finally {
                releaseHeld();
            }
            finish(all, outcomes, null);
        }

        /** The submissions of the call, late joiners included, in the call's order. */
        private List<Submission> riders() {
            synchronized (lock) {
                return List.copyOf(flight);
            }
        }

        /**
         * Each submission's ledgers from the call's result, and the round trips not yet given to
         * those completed early, shared in proportion to messages so that they add up over the callers.
         */
        private List<BatchDelivery.Outcome> split(List<Submission> all, PooledDelivery.Result result) {
            long left;
            int waiting = 0;
            synchronized (lock) {
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
                synchronized (lock) {
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
        private void finish(List<Submission> taken, List<BatchDelivery.Outcome> outcomes, RuntimeException e) {
            List<Integer> open = new ArrayList<>();
            synchronized (lock) {
                for (int k = 0; k < taken.size(); k++) {
                    Submission s = taken.get(k);
                    if (s.state == Submission.State.IN_FLIGHT) {
                        s.state = Submission.State.DONE;
                        inFlightMessages -= s.messages.size();
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

        private void releaseHeld() {
            SmtpConnection c = held;
            held = null;
            if (c != null) {
                pool.release(c);
            }
        }

        /**
         * Every caller of call {@code which} was interrupted ({@link #stopped} already set): abort its
         * connection, unless that call is over (a connection released and lent again, or the lane's
         * next call, is never touched).
         */
        void stop(long which) {
            synchronized (connectionGuard) {
                SmtpConnection c = current;
                if (c != null && call == which) {
                    c.abort(INTERRUPTED);
                }
            }
        }

        @Override
        public SmtpConnection borrow() throws IOException {
            SmtpConnection c = held;
            held = null;
            if (c == null) {
                c = pool.borrow();
            }
            synchronized (connectionGuard) {
                current = c;
            }
            if (stopped) {
                c.abort(INTERRUPTED);
            }
            return c;
        }

        @Override
        public void release(SmtpConnection connection) {
            synchronized (connectionGuard) {
                current = null;
            }
            pool.release(connection);
        }

        @Override
        public boolean stopped() {
            return stopped;
        }
    }
}
