package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SessionFailures;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.pool.SmtpPoolTimeoutException;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
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
 * interrupted, the lane aborts its connection, or ends its wait in the pool for the call's next
 * connection ({@link Lane#stop}; the flight ends within moments, ledgers by the usual
 * rules, nothing started again, no late joiner taken); when the flight
 * carries other callers' messages too, the interrupted caller returns at once with its messages
 * UNKNOWN (the flight goes on for the others, and may deliver them), so that one caller's interrupt
 * never ends another caller's send. The pool's {@code close} ends flights as it ends any send.
 *
 * <p>Thread-safe; one lock ({@link FlightQueue#lock}) guards the queue and every submission's state,
 * and each lane's call in progress. The parts: this class is the front that submits and waits (and
 * handles a caller's interrupt); {@link FlightQueue} holds the shared queue state and its guarded
 * transitions; a {@link Lane} is one lane's thread and connection; {@link FlightRiders} are the
 * submissions of a lane's call and their ledgers. An interrupt that ends a flight sets the lane's
 * {@link Lane#stopped} under that lock, the lock late joiners board under, so that none boards
 * between the decision and the abort; and it aborts the connection only of the call it decided on
 * (the lane's {@link Lane#call} count, read under the lock; the abort, borrow and release of the
 * lane's connection under the lane's connection guard), so that a late abort never ends the lane's
 * next call or a connection released and lent again.
 */
final class FlightDispatcher implements AutoCloseable {

    private static final AtomicInteger THREADS = new AtomicInteger();
    static final String INTERRUPTED = "the sending thread was interrupted";

    private final SmtpConnectionPool pool;
    private final PooledDelivery delivery;
    private final DeliveryOptions options;
    /** The queue, the counts of lanes and messages, and the lock that guards them with every submission's state. */
    private final FlightQueue queue;
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
        this.queue = new FlightQueue(pool.settings().maxConnections());
        timer.setRemoveOnCancelPolicy(true);
    }

    /** Messages waiting in the queue for a lane now. */
    int queued() {
        return queue.queued();
    }

    /** Messages in a lane's flight now. */
    int inFlight() {
        return queue.inFlight();
    }

    /**
     * Queues the messages (addresses already checked) and returns their submission, whose result
     * completes on a lane thread or the timer; null once closed (send them another way).
     */
    Submission submit(List<OutgoingMessage> messages) {
        Duration maxWait = pool.settings().maxWait();
        Submission s = new Submission(messages, System.nanoTime() + maxWait.toNanos());
        boolean start;
        synchronized (queue.lock) {
            if (!queue.addLocked(s)) {
                return null;
            }
            start = queue.reserveLaneLocked();
            s.expiry = timer.schedule(() -> expire(s), maxWait.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (start) {
            startLane();
        }
        return s;
    }

    /** Starts a lane already counted in {@code lanes} and {@code collecting} ({@link FlightQueue#reserveLaneLocked}). */
    void startLane() {
        try {
            laneThreads.execute(new Lane(this, queue, pool, delivery, options));
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            queue.laneGone();
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
        return queue.withdraw(s);
    }

    private void expire(Submission s) {
        if (withdraw(s)) {
            s.result.complete(notSent(s.messages, pool.timeout(null)));
        }
    }

    private BatchDelivery.Outcome interrupted(Submission s) {
        Lane lane;
        boolean withdrawn = queue.withdraw(s);
        if (withdrawn) {
            BatchDelivery.Outcome outcome = notSent(s.messages, new InterruptedIOException("not sent: " + INTERRUPTED));
            s.result.complete(outcome);
            return outcome;
        }
        long call;
        synchronized (queue.lock) {
            if (s.state != Submission.State.IN_FLIGHT) {
                return null; // done: its result is there
            }
            s.interrupted = true;
            lane = s.lane;
            if (!lane.riders.onlyInterruptedLocked()) {
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
    BatchDelivery.Outcome notSent(List<OutgoingMessage> messages, IOException e) {
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
        queue.close();
        laneThreads.shutdown();
        timer.shutdown(); // scheduled wait bounds still fire
    }
}
