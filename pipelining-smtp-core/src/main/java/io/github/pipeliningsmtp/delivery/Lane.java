package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.pool.SmtpPoolTimeoutException;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One lane of a {@link FlightDispatcher}: a thread that sends the queue's messages in flights on one
 * pooled connection at a time (see the dispatcher's class comment). Its call in progress (its
 * {@link FlightRiders}, {@link #stopped}, {@link #call}) is guarded by the dispatcher's lock,
 * {@link FlightQueue#lock}; its connection by {@link #connectionGuard}, which is never taken under
 * the dispatcher's lock.
 */
final class Lane implements Runnable, PooledDelivery.Connections {

    /** The dispatcher's logger: what a lane logs is the dispatcher's. */
    private static final System.Logger LOG = System.getLogger(FlightDispatcher.class.getName());

    private final FlightDispatcher dispatcher;
    private final FlightQueue queue;
    private final SmtpConnectionPool pool;
    private final PooledDelivery delivery;
    private final DeliveryOptions options;
    /** The submissions of the call in progress and their messages' numbering; guarded by the dispatcher's lock. */
    final FlightRiders riders;
    /** The connection of the call in progress, set and cleared under {@link #connectionGuard}. */
    private volatile SmtpConnection current;
    /** Orders {@link #stop(long)}'s abort against the call's borrow and release of its connection. */
    private final Object connectionGuard = new Object();
    /** Set under the dispatcher's lock (cleared when a call is taken): the call in progress ends, takes no joiner. */
    volatile boolean stopped;
    /** Counts the calls this lane has taken; written under the dispatcher's lock. */
    volatile long call;
    /** The connection borrowed before the flight was taken, handed to the flight's first borrow. */
    private SmtpConnection held;
    /** The lane's thread while its call waits in the pool for its next connection; under {@link #connectionGuard}. */
    private Thread borrowing;
    /** Whether {@link #stop(long)} interrupted that wait; under {@link #connectionGuard}. */
    private boolean borrowInterrupted;

    Lane(FlightDispatcher dispatcher, FlightQueue queue, SmtpConnectionPool pool, PooledDelivery delivery,
         DeliveryOptions options) {
        this.dispatcher = dispatcher;
        this.queue = queue;
        this.pool = pool;
        this.delivery = delivery;
        this.options = options;
        this.riders = new FlightRiders(queue);
    }

    @Override
    public void run() {
        boolean counted = true; // in collecting
        try {
            while (true) {
                Long waitNanos = queue.headWaitOrLeave();
                if (waitNanos == null) {
                    counted = false;
                    return;
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
                synchronized (queue.lock) {
                    riders.flight = List.of();
                    if (!queue.collectAgainLocked()) {
                        return;
                    }
                    counted = true;
                }
            }
        } finally {
            if (counted) {
                // only an Error of the lane itself gets here: let another lane take over
                queue.laneGone();
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
        synchronized (queue.lock) {
            taken = queue.takeLocked(this, capacity, chunking);
            riders.flight = taken;
            stopped = false;
            call++;
            spare = queue.reserveLaneLocked();
        }
        if (spare) {
            dispatcher.startLane();
        }
        return taken;
    }

    /**
     * Late joiners for the call in progress (see {@link FlightDispatcher}'s class comment): whole submissions from the
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
        synchronized (queue.lock) {
            if (stopped) {
                return List.of();
            }
            int share = queue.joinerShareLocked();
            int boarded = 0;
            Submission s;
            while (boarded < share && (s = queue.pollJoinerLocked(joined.size(), max)) != null) {
                IllegalArgumentException bad = unwritable(s);
                if (bad != null) {
                    queue.refuseLocked(s);
                    refused.add(s);
                    why.add(bad);
                    continue;
                }
                queue.boardLocked(s, this);
                riders.joinLocked(s, joined);
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
        riders.answered(message, ledger, roundTrips);
    }

    /** Every queued submission (or only those past their wait bound) FAILED with {@code e}. */
    private void failQueued(boolean expiredOnly, IOException e) {
        long now = System.nanoTime();
        for (Submission s : queue.withdrawQueued(expiredOnly, now)) {
            s.result.complete(dispatcher.notSent(s.messages, e));
        }
    }

    private void send(List<Submission> taken) {
        List<OutgoingMessage> combined = riders.begin(taken);
        List<Submission> all;
        List<BatchDelivery.Outcome> outcomes = new ArrayList<>();
        try {
            PooledDelivery.Result result = delivery.deliver(combined, options.policy(), this);
            all = riders.riders();
            outcomes = riders.split(all, result);
        } catch (IOException e) {
            all = riders.riders();
            for (Submission s : all) {
                outcomes.add(dispatcher.notSent(s.messages, e));
            }
        } catch (IllegalArgumentException e) {
            // nothing was written: send each caller's messages alone, so that only the offender gets it
            releaseHeld();
            if (taken.size() == 1) {
                riders.finish(taken, null, e);
                return;
            }
            for (Submission s : taken) {
                send(List.of(s));
            }
            return;
        } catch (RuntimeException | Error e) {
            all = riders.riders();
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
        riders.finish(all, outcomes, null);
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
                c.abort(FlightDispatcher.INTERRUPTED);
            } else if (c == null && borrowing != null && call == which) {
                // between two connections of the call (the limit, or a resend): its wait ends now
                borrowInterrupted = true;
                borrowing.interrupt();
            }
        }
    }

    @Override
    public SmtpConnection borrow() throws IOException {
        SmtpConnection c = held;
        held = null;
        if (c == null) {
            c = borrowNext();
        }
        synchronized (connectionGuard) {
            current = c;
        }
        if (stopped) {
            c.abort(FlightDispatcher.INTERRUPTED);
        }
        return c;
    }

    /**
     * The call's next connection from the pool (at most {@code pool.max-wait}, 30 s by default);
     * a stop of the call ({@link #stop(long)}) ends the wait at once: every caller of the call was
     * interrupted, so nothing more is started.
     *
     * @throws java.io.InterruptedIOException when the call was stopped before or while waiting
     */
    private SmtpConnection borrowNext() throws IOException {
        synchronized (connectionGuard) {
            if (stopped) {
                throw new java.io.InterruptedIOException("not sent: " + FlightDispatcher.INTERRUPTED);
            }
            borrowing = Thread.currentThread();
        }
        try {
            return pool.borrow();
        } catch (IOException e) {
            synchronized (connectionGuard) {
                if (borrowInterrupted) {
                    java.io.InterruptedIOException stop = new java.io.InterruptedIOException("not sent: "
                            + FlightDispatcher.INTERRUPTED);
                    stop.initCause(e);
                    throw stop;
                }
            }
            throw e;
        } finally {
            synchronized (connectionGuard) {
                borrowing = null;
                if (borrowInterrupted) {
                    borrowInterrupted = false;
                    Thread.interrupted(); // the interrupt ends this wait only, nothing after it
                }
            }
        }
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
