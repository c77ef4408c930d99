package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SessionFailures;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Delivers a batch over the pool: the batch is cut into shares (about an equal share per connection
 * used, at most the pool's messages-per-connection limit each), and workers (the calling thread and
 * helper threads of this object's own) take shares in order, each sending its share with
 * {@link PooledDelivery} on one pooled connection after another, which applies the split (RCPTMAX,
 * 452) and resend-once rules.
 *
 * <p>A batch borrows only the connections it needs: one for every
 * {@value #MESSAGES_PER_CONNECTION} messages, at most the pool's {@code max-connections}, so that
 * small batches sent from many threads at once do not each fan out over the whole pool.
 *
 * <p>Small batches (at most {@value #MESSAGES_PER_CONNECTION} messages: a single {@code send} from a
 * request or an event, say) are not sent on a connection of their own: they go to a shared queue
 * whose lanes put the sends of many threads in shared flights (see {@link FlightDispatcher}), so
 * concurrent senders share round trips instead of queueing for connections. A small batch waits in
 * that queue at most the pool's max wait, as it would for a connection. Larger batches are cut in
 * shares as above.
 *
 * <p>Thread-safe: batches from many threads share the pool. A worker that cannot get a connection
 * leaves its share FAILED (not sent) with the session's error (see {@link SessionFailures}); the
 * first such failure is reported in {@link Outcome#connectionFailure()}.
 *
 * <p>Any failure of a worker ends in ledgers, never in an exception that loses the report: a
 * {@link RuntimeException} or {@link Error} (an {@link OutOfMemoryError}, say) thrown while a share
 * is sent leaves every message of that share whose ledger did not come back UNKNOWN, with the
 * failure as the error's exception (it may have been delivered; never resend it automatically),
 * and the worker goes on with the next share. What the connection saw is settled before that by
 * {@link io.github.pipeliningsmtp.client.SmtpConnection#send} itself (FAILED when nothing of a
 * message was written), so this only catches what fails outside a connection's send. Every other
 * share is reported as it happened.
 */
public final class BatchDelivery implements AutoCloseable {

    /** Messages per connection a batch grows to before it borrows one more. */
    public static final int MESSAGES_PER_CONNECTION = 10;

    /** Largest share of a batch sent with a {@link ProgressListener}: progress comes at least this often per connection. */
    public static final int PROGRESS_SHARE = 100;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final System.Logger LOG = System.getLogger(BatchDelivery.class.getName());

    /** Sends one share; {@link PooledDelivery#deliver(List)} except in tests. */
    @FunctionalInterface
    interface ShareSender {
        PooledDelivery.Result deliver(List<OutgoingMessage> share) throws IOException;
    }

    private final ShareSender delivery;
    /** Null with a test's share sender: every batch then goes in shares. */
    private final FlightDispatcher dispatcher;
    private final AtomicInteger sending = new AtomicInteger();
    private final SmtpConnectionPool pool;
    private final DeliveryOptions options;
    private final ExecutorService helpers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "smtp-pipelining-send-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    /**
     * @param pool    where connections come from; not closed by {@link #close()}
     * @param options the delivery policy and the split rule
     */
    public BatchDelivery(SmtpConnectionPool pool, DeliveryOptions options) {
        this(pool, options, new PooledDelivery(pool, options));
    }

    private BatchDelivery(SmtpConnectionPool pool, DeliveryOptions options, PooledDelivery pooled) {
        this.pool = pool;
        this.options = options;
        this.delivery = pooled::deliver;
        this.dispatcher = new FlightDispatcher(pool, pooled, options);
    }

    /** With another way to send a share: a test hook for failures of a worker (no shared flights). */
    BatchDelivery(SmtpConnectionPool pool, DeliveryOptions options, ShareSender sender) {
        this.pool = pool;
        this.options = options;
        this.delivery = sender;
        this.dispatcher = null;
    }

    /**
     * Messages handed to this object and not yet done, as a gauge: {@code queued} wait in the shared
     * queue for a lane, {@code inFlight} are being sent (on a lane, or in a batch's shares).
     */
    public record Load(int queued, int inFlight) {
    }

    /** The messages queued and in flight now. */
    public Load load() {
        return dispatcher == null ? new Load(0, sending.get())
                : new Load(dispatcher.queued(), dispatcher.inFlight() + sending.get());
    }

    /**
     * A small batch handed to the shared queue without waiting: its {@link #outcome()} completes on
     * a lane thread (or the wait-bound timer) with one ledger per message; {@link #withdraw()} removes
     * it while it is still queued (nothing of it written).
     */
    public static final class Pending {
        private final FlightDispatcher dispatcher;
        private final Submission submission;

        private Pending(FlightDispatcher dispatcher, Submission submission) {
            this.dispatcher = dispatcher;
            this.submission = submission;
        }

        /** The outcome; completed exceptionally only with an {@link IllegalArgumentException} (an unsafe parameter). */
        public java.util.concurrent.CompletableFuture<Outcome> outcome() {
            return submission.result;
        }

        /**
         * Takes the messages out of the queue if no lane has taken them into a flight yet (their
         * MAIL FROM is then not written); the outcome then never completes. False once they are in a
         * flight: they are reported as usual.
         */
        public boolean withdraw() {
            return dispatcher.withdraw(submission);
        }
    }

    /**
     * Queues a small batch (at most {@value #MESSAGES_PER_CONNECTION} messages) for the shared
     * flights and returns at once; null when it is larger or this object is closed (send it with
     * {@link #deliver}).
     *
     * @throws IllegalArgumentException for an address that cannot be written safely; nothing was queued
     */
    public Pending submit(List<OutgoingMessage> messages) {
        if (messages.isEmpty() || !sharesFlights(messages.size())) {
            return null;
        }
        for (OutgoingMessage m : messages) {
            m.envelope().checkAddresses();
        }
        Submission s = dispatcher.submit(List.copyOf(messages));
        return s == null ? null : new Pending(dispatcher, s);
    }

    /** The pool. */
    public SmtpConnectionPool pool() {
        return pool;
    }

    /** The options. */
    public DeliveryOptions options() {
        return options;
    }

    /**
     * What happened to the batch: one ledger per message, in order, the round trips over every
     * connection used, and the first failure to get a connection (null if none).
     */
    public record Outcome(List<MessageLedger> ledgers, long roundTrips, IOException connectionFailure) {
    }

    /** How many connections a batch of {@code messages} uses with a pool of {@code maxConnections}. */
    static int connectionsFor(int messages, int maxConnections) {
        return Math.max(1, Math.min(maxConnections, (messages + MESSAGES_PER_CONNECTION - 1) / MESSAGES_PER_CONNECTION));
    }

    /**
     * Sends the batch; every recipient of every message ends SUCCEEDED, FAILED or UNKNOWN.
     *
     * @throws IllegalArgumentException for an address that cannot be written safely; nothing was sent
     */
    public Outcome deliver(List<OutgoingMessage> messages) {
        return deliver(messages, ProgressListener.NONE);
    }

    /**
     * As {@link #deliver(List)}, telling {@code progress} after every share (then at most
     * {@value #PROGRESS_SHARE} messages) and at the end; see {@link ProgressListener} for threads.
     *
     * @throws IllegalArgumentException for an address that cannot be written safely; nothing was sent
     */
    public Outcome deliver(List<OutgoingMessage> messages, ProgressListener progress) {
        int n = messages.size();
        if (n == 0) {
            return new Outcome(List.of(), 0, null);
        }
        for (OutgoingMessage m : messages) {
            m.envelope().checkAddresses();
        }
        Tally tally = new Tally(n, progress);
        if (sharesFlights(n)) {
            Outcome outcome;
            if (Thread.currentThread().isInterrupted()) {
                outcome = notSent(messages, new InterruptedIOException("not sent: the sending thread was interrupted"));
            } else {
                Submission s = dispatcher.submit(List.copyOf(messages));
                outcome = s == null ? null : dispatcher.await(s);
            }
            if (outcome != null) {
                tally.done(outcome.ledgers());
                return outcome;
            }
        }
        sending.addAndGet(n);
        try {
            return deliverInShares(messages, tally, progress != ProgressListener.NONE);
        } finally {
            sending.addAndGet(-n);
        }
    }

    /**
     * Whether a batch of {@code n} goes to the shared flights: at most {@value #MESSAGES_PER_CONNECTION}
     * messages, and no more than the pool's max-messages-per-connection (a flight is one connection).
     */
    private boolean sharesFlights(int n) {
        int limit = pool.settings().maxMessagesPerConnection();
        return dispatcher != null && n <= MESSAGES_PER_CONNECTION && (limit <= 0 || n <= limit);
    }

    private Outcome notSent(List<OutgoingMessage> messages, IOException e) {
        SmtpError error = SessionFailures.errorOf(e, pool.connectionSettings().tlsMode());
        return new Outcome(messages.stream().map(m -> MessageLedger.notSent(m.envelope(), error)).toList(), 0, e);
    }

    /** Messages done and recipient outcomes so far, told to the progress listener one call at a time. */
    private static final class Tally {
        private final int total;
        private final ProgressListener listener;
        private int done;
        private long succeeded;
        private long failed;
        private long unknown;

        Tally(int total, ProgressListener listener) {
            this.total = total;
            this.listener = listener;
        }

        synchronized void done(List<MessageLedger> ledgers) {
            if (listener == ProgressListener.NONE) {
                return;
            }
            for (MessageLedger l : ledgers) {
                done++;
                succeeded += l.count(io.github.pipeliningsmtp.client.RecipientStatus.SUCCEEDED);
                failed += l.count(io.github.pipeliningsmtp.client.RecipientStatus.FAILED);
                unknown += l.count(io.github.pipeliningsmtp.client.RecipientStatus.UNKNOWN);
            }
            try {
                listener.progressed(new SendProgress(done, total, succeeded, failed, unknown));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a progress listener failed (ignored): {0}", e.toString());
            }
        }
    }

    private Outcome deliverInShares(List<OutgoingMessage> messages, Tally tally, boolean withProgress) {
        int n = messages.size();
        MessageLedger[] ledgers = new MessageLedger[n];
        int connections = connectionsFor(n, pool.settings().maxConnections());
        int perConnectionLimit = pool.settings().maxMessagesPerConnection();
        int share = (n + connections - 1) / connections;
        if (perConnectionLimit > 0) {
            share = Math.min(share, perConnectionLimit);
        }
        if (withProgress) {
            share = Math.min(share, PROGRESS_SHARE);
        }
        int shareSize = share;
        int shares = (n + shareSize - 1) / shareSize;
        AtomicInteger next = new AtomicInteger();
        AtomicLong roundTrips = new AtomicLong();
        AtomicReference<IOException> failure = new AtomicReference<>();
        Set<Thread> helping = new HashSet<>();
        Runnable worker = () -> {
            for (int c = next.getAndIncrement(); c < shares; c = next.getAndIncrement()) {
                int from = c * shareSize;
                int to = Math.min(n, from + shareSize);
                List<OutgoingMessage> part = messages.subList(from, to);
                try {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedIOException("not sent: the sending thread was interrupted");
                    }
                    PooledDelivery.Result result = delivery.deliver(part);
                    roundTrips.addAndGet(result.roundTrips());
                    for (int i = from; i < to; i++) {
                        ledgers[i] = result.ledgers().get(i - from);
                    }
                } catch (IOException e) {
                    failure.compareAndSet(null, e);
                    for (int i = from; i < to; i++) {
                        ledgers[i] = MessageLedger.notSent(messages.get(i).envelope(),
                                SessionFailures.errorOf(e, pool.connectionSettings().tlsMode()));
                    }
                } catch (RuntimeException | Error e) {
                    workerFailed(messages, ledgers, from, to, e);
                }
                tally.done(java.util.Arrays.asList(ledgers).subList(from, to));
            }
        };
        int workers = Math.min(connections, shares);
        List<Future<?>> started = new ArrayList<>();
        for (int w = 1; w < workers; w++) {
            try {
                started.add(helpers.submit(() -> {
                    synchronized (helping) {
                        helping.add(Thread.currentThread());
                    }
                    try {
                        worker.run();
                    } finally {
                        synchronized (helping) {
                            helping.remove(Thread.currentThread());
                            Thread.interrupted(); // an interrupt of this batch stays with this batch
                        }
                    }
                }));
            } catch (RejectedExecutionException | OutOfMemoryError closed) {
                // closing, or no thread could be created: the calling thread takes the remaining shares itself
                break;
            }
        }
        worker.run();
        // helpers are sending on connections of their own: an interrupt of the caller interrupts
        // them too (each ends its send within moments, ledgers by the usual rules); wait for them
        // even if interrupted, so that every message's ledger comes back, then restore the interrupt
        boolean interrupted = Thread.interrupted();
        if (interrupted) {
            interruptAll(helping);
        }
        for (Future<?> f : started) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    interruptAll(helping);
                } catch (ExecutionException e) {
                    // cannot happen: a worker catches what its shares throw; its shares are settled below
                    LOG.log(Level.WARNING, "a send worker failed: {0}", e.getCause().toString());
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < n; i++) {
            if (ledgers[i] == null) {
                ledgers[i] = MessageLedger.unknown(messages.get(i).envelope(), SmtpError.local(SmtpStep.MAIL_FROM,
                        "outcome unknown: the worker sending it ended without a ledger", null));
            }
        }
        return new Outcome(List.of(ledgers), roundTrips.get(), failure.get());
    }

    /** A share whose ledgers did not come back: UNKNOWN, since the worker may have sent any of it. */
    private static void workerFailed(List<OutgoingMessage> messages, MessageLedger[] ledgers, int from, int to,
                                     Throwable e) {
        // String.valueOf: a MessageFormat argument that is a number would print 1000 as "1,000"
        LOG.log(Level.WARNING, "sending a share of {0} messages failed inside the client: {1}",
                String.valueOf(to - from), e.toString());
        SmtpError error = SmtpError.local(SmtpStep.MAIL_FROM, "outcome unknown: sending failed inside the client ("
                + e + ") and this message's ledger was lost; it may have been delivered", e);
        for (int i = from; i < to; i++) {
            ledgers[i] = MessageLedger.unknown(messages.get(i).envelope(), error);
        }
    }

    private static void interruptAll(Set<Thread> helping) {
        synchronized (helping) {
            for (Thread t : helping) {
                t.interrupt();
            }
        }
    }

    /**
     * Stops the helper threads once their shares are sent and takes no more sends into the shared
     * queue (the lanes finish what is queued, until the pool's close ends their borrows); batches
     * after it run on the caller's thread.
     */
    @Override
    public void close() {
        helpers.shutdown();
        if (dispatcher != null) {
            dispatcher.close();
        }
    }
}
