package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DsnOptions;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The entry point of the core for applications without Spring: a pool of pipelining SMTP
 * connections that sends {@link MimeMessage}s and returns the ledger of every message.
 *
 * <pre>{@code
 * try (SmtpMailer mailer = SmtpMailer.builder(ConnectionSettings.builder("mail.example.com", 587)
 *         .tlsMode(TlsMode.STARTTLS_REQUIRED)
 *         .credentials(Credentials.password("newsletter@example.com", password)).build()).build()) {
 *     MimeMessage m = mailer.createMimeMessage();
 *     ...
 *     SendReport report = mailer.send(m);   // per message and recipient: SUCCEEDED, FAILED or UNKNOWN
 * }
 * }</pre>
 *
 * <p>Preparing a message is what Spring's {@code JavaMailSenderImpl} does: a message without a sent
 * date gets the current date, {@code saveChanges()} is called, and an explicitly set Message-ID
 * survives it; the envelope is read from the headers (or an Angus {@code SMTPMessage}'s envelope
 * sender and DSN options). A message that cannot be prepared is in the report with a
 * {@link MessagePreparationException} and its recipients FAILED (LOCAL); the others are sent.
 *
 * <p>Automatic retry ({@link Builder#retryPolicy}, off by default) sends again, after a back-off,
 * what is safe to send again (see {@link RetryingDelivery}); {@link SendReport#waited()} says how
 * long a send waited for it.
 *
 * <p>Thread-safe: one mailer serves every thread. {@link #send} never throws for a server's
 * refusal or a connection failure: those are in the report (a session that could not be opened is
 * each unsent message's {@link SendReport.Entry#error()}).
 */
public final class SmtpMailer implements AutoCloseable {

    /** Default longest {@link #close()} waits for sends in progress before it closes every connection: 10 s. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** Default threads of the executor of {@link #sendAsync}: 2. */
    public static final int DEFAULT_ASYNC_THREADS = 2;

    /** Default most {@link #sendAsync} calls accepted and not yet completed: 10,000. */
    public static final int DEFAULT_ASYNC_MAX_PENDING = 10_000;

    private static final AtomicInteger ASYNC_THREADS = new AtomicInteger();

    private final SmtpConnectionPool pool;
    private final BatchDelivery delivery;
    private final RetryingDelivery retrying;
    private final Session session;
    private final SmtpListener listener;
    private final Duration shutdownTimeout;
    private volatile DsnOptions defaultDsn;
    private final int asyncMaxPending;
    private final Semaphore asyncPermits;
    private final ThreadPoolExecutor async;

    /**
     * A mailer over an existing pool.
     *
     * @param pool            the connections; closed by {@link #close()}
     * @param options         delivery policy and split rule
     * @param defaultEncoding charset for text parts without one (Jakarta Mail's {@code mail.mime.charset}), or null
     * @param shutdownTimeout longest {@link #close()} waits for sends in progress
     * @param listener        told of every batch's report (give the pool the same listener for replies and connections)
     */
    public SmtpMailer(SmtpConnectionPool pool, DeliveryOptions options, String defaultEncoding, Duration shutdownTimeout,
                      SmtpListener listener) {
        this(pool, options, defaultEncoding, shutdownTimeout, listener, RetryPolicy.DISABLED, RetryClock.SYSTEM);
    }

    /**
     * A mailer over an existing pool, with automatic retry ({@link RetryingDelivery}).
     *
     * @param retry what to send again and when; {@link RetryPolicy#DISABLED} for none
     * @param clock the time source and wait of retry; {@link RetryClock#SYSTEM} outside tests
     */
    public SmtpMailer(SmtpConnectionPool pool, DeliveryOptions options, String defaultEncoding, Duration shutdownTimeout,
                      SmtpListener listener, RetryPolicy retry, RetryClock clock) {
        this(pool, options, defaultEncoding, shutdownTimeout, listener, retry, clock, DEFAULT_ASYNC_THREADS,
                DEFAULT_ASYNC_MAX_PENDING);
    }

    /**
     * As above, with the size of the {@link #sendAsync} executor.
     *
     * @param asyncThreads    threads that prepare async sends and complete their futures (at least 1)
     * @param asyncMaxPending most async calls accepted and not yet completed (at least 1)
     */
    public SmtpMailer(SmtpConnectionPool pool, DeliveryOptions options, String defaultEncoding, Duration shutdownTimeout,
                      SmtpListener listener, RetryPolicy retry, RetryClock clock, int asyncThreads, int asyncMaxPending) {
        if (asyncThreads < 1 || asyncMaxPending < 1) {
            throw new IllegalArgumentException("asyncThreads and asyncMaxPending must be at least 1, not "
                    + asyncThreads + " and " + asyncMaxPending);
        }
        this.asyncMaxPending = asyncMaxPending;
        this.asyncPermits = new Semaphore(asyncMaxPending);
        // the queue is bounded by the permits: at most one preparation and one completion per accepted call
        this.async = new ThreadPoolExecutor(asyncThreads, asyncThreads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "smtp-pipelining-async-" + ASYNC_THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.async.allowCoreThreadTimeOut(true);
        this.pool = pool;
        this.delivery = new BatchDelivery(pool, options);
        this.retrying = new RetryingDelivery(delivery, retry, listener, clock);
        Properties properties = new Properties();
        if (defaultEncoding != null) {
            properties.setProperty("mail.mime.charset", defaultEncoding);
        }
        this.session = Session.getInstance(properties);
        this.shutdownTimeout = shutdownTimeout;
        this.listener = listener;
    }

    /** @param connection how to connect; everything else at its default until set on the builder */
    public static Builder builder(ConnectionSettings connection) {
        return new Builder(connection);
    }

    /**
     * DSN requests (RFC 3461) for every message, unless an Angus {@code SMTPMessage} sets its own
     * notify or return options; sent only to servers that advertise DSN. Null for none.
     */
    public void setDefaultDsn(DsnOptions dsn) {
        this.defaultDsn = dsn;
    }

    /** The Jakarta Mail session messages are created in. */
    public Session session() {
        return session;
    }

    /** A new message in this mailer's session. */
    public MimeMessage createMimeMessage() {
        return new MimeMessage(session);
    }

    /** The pool, for health checks and metrics. */
    public SmtpConnectionPool pool() {
        return pool;
    }

    /** The delivery options. */
    public DeliveryOptions options() {
        return delivery.options();
    }

    /** The automatic retry policy ({@link RetryPolicy#DISABLED} unless set). */
    public RetryPolicy retryPolicy() {
        return retrying.policy();
    }

    /** Sends the messages; see the class comment. */
    public SendReport send(MimeMessage... messages) {
        return send(Arrays.asList(messages), Arrays.asList(messages));
    }

    /**
     * Sends {@code messages}; the report's entries carry {@code originals} (one per message, in order:
     * what an adapter converted into each MimeMessage, or the message itself).
     */
    public SendReport send(List<?> originals, List<MimeMessage> messages) {
        return send(originals, messages, ProgressListener.NONE);
    }

    /**
     * As {@link #send(List, List)}, telling {@code progress} how the batch is getting on: after
     * every share a connection finished (at most {@value BatchDelivery#PROGRESS_SHARE} messages) and
     * at the end, on the sending threads, one call at a time; messages that could not be prepared
     * count as done (FAILED) from the first call. See {@link ProgressListener}.
     */
    public SendReport send(List<?> originals, List<MimeMessage> messages, ProgressListener progress) {
        long start = System.nanoTime();
        PreparedMessages prepared = prepare(messages);
        ProgressListener offset = progress == ProgressListener.NONE ? progress : p -> progress.progressed(
                new SendProgress(p.messagesDone() + prepared.unprepared, messages.size(), p.succeeded(),
                        p.failed() + prepared.unpreparedRecipients, p.unknown()));
        if (prepared.outgoing.isEmpty() && progress != ProgressListener.NONE) {
            offset.progressed(new SendProgress(0, 0, 0, 0, 0));
        }
        RetryingDelivery.Outcome outcome = retrying.deliver(prepared.outgoing, m -> delivery.deliver(m, offset));
        return report(originals, prepared, outcome.batch(), outcome.waited(), start);
    }

    /**
     * Sends the messages without blocking the calling thread; see {@link #sendAsync(List, List)}.
     */
    public CompletableFuture<SendReport> sendAsync(MimeMessage... messages) {
        return sendAsync(Arrays.asList(messages), Arrays.asList(messages));
    }

    /**
     * Sends the messages without blocking the calling thread: the returned future completes with
     * the same report {@link #send(List, List)} would give (never exceptionally for a server's
     * refusal or a connection failure), on a thread of this mailer's async executor.
     *
     * <p>The executor: {@code asyncThreads} daemon threads (default {@value SmtpMailer#DEFAULT_ASYNC_THREADS})
     * that prepare the messages (dates, Message-ID, envelope) and complete the futures, so callbacks
     * chained without an executor of their own run there and should be quick. At most
     * {@code asyncMaxPending} calls (default {@value #DEFAULT_ASYNC_MAX_PENDING}) are accepted and
     * not yet completed; beyond that the call returns a future already completed exceptionally with
     * a {@link RejectedExecutionException} saying so, and nothing is sent. After {@link #close()} the
     * same exception.
     *
     * <p>Sending: at most {@value BatchDelivery#MESSAGES_PER_CONNECTION} messages go to the shared
     * flights, like a blocking send of that size, with the same wait bound (the pool's max wait in the
     * queue, then FAILED not sent with the borrow-timeout error); no thread waits for them. A larger
     * batch is sent in shares as {@link #send} does, with one executor thread waiting for it.
     *
     * <p>Cancellation: {@link CompletableFuture#cancel(boolean) cancel} succeeds while the messages
     * are being prepared or wait in the queue, before any of their MAIL FROM is written: they are
     * removed and never sent, and the future is cancelled. Once they are in a flight (or a larger
     * batch has started), {@code cancel} returns false and the future completes with the report as
     * usual. An {@link IllegalArgumentException} for an address that cannot be written safely
     * completes the future exceptionally (nothing sent).
     */
    public CompletableFuture<SendReport> sendAsync(List<?> originals, List<MimeMessage> messages) {
        if (!asyncPermits.tryAcquire()) {
            return CompletableFuture.failedFuture(new RejectedExecutionException("sendAsync refused: "
                    + asyncMaxPending + " calls are already accepted and not yet completed (async max pending)"));
        }
        AsyncSend send = new AsyncSend(this, retrying, delivery, async, List.copyOf(originals), List.copyOf(messages));
        send.whenComplete((r, e) -> asyncPermits.release());
        try {
            async.execute(send::run);
        } catch (RejectedExecutionException e) {
            send.completeExceptionally(new RejectedExecutionException("sendAsync refused: the mailer is closed", e));
        }
        return send;
    }

    /** Messages queued and in flight now (a gauge; see {@link BatchDelivery#load()}). */
    public BatchDelivery.Load load() {
        return delivery.load();
    }

    /** Prepares the messages of a call (see the class comment), with the default DSN options as they are now. */
    PreparedMessages prepare(List<MimeMessage> messages) {
        return new PreparedMessages(messages, () -> defaultDsn);
    }

    /** The report of a call, logged and told to the listener; {@code start}: its {@link System#nanoTime()}. */
    SendReport report(List<?> originals, PreparedMessages prepared, BatchDelivery.Outcome outcome, Duration waited,
                      long start) {
        int n = prepared.messages.size();
        MessageLedger[] ledgers = prepared.unpreparedLedgers.clone();
        for (int k = 0; k < prepared.index.size(); k++) {
            ledgers[prepared.index.get(k)] = outcome.ledgers().get(k);
        }
        List<SendReport.Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Exception error = prepared.errors[i];
            if (error == null && outcome.connectionFailure() != null && !ledgers[i].started()) {
                error = outcome.connectionFailure();
            }
            entries.add(new SendReport.Entry(originals.get(i), ledgers[i], error));
        }
        SendReport report = new SendReport(entries, outcome.roundTrips(), waited);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        BatchLog.completed(report, elapsed);
        listener.batchCompleted(report, elapsed);
        return report;
    }

    /** Waits up to the shutdown timeout for sends in progress, then QUITs every connection. */
    @Override
    public void close() {
        async.shutdown(); // no new async calls; those accepted complete
        delivery.close();
        pool.close(shutdownTimeout);
    }

    @Override
    public String toString() {
        return "SmtpMailer[" + pool + ", " + delivery.options() + "]";
    }

    /** Builds an {@link SmtpMailer} and its pool; not thread-safe. */
    public static final class Builder {
        private final ConnectionSettings connection;
        private SendingOptions sending = SendingOptions.DEFAULTS;
        private PoolSettings pool = PoolSettings.defaults();
        private DeliveryOptions delivery = DeliveryOptions.DEFAULTS;
        private SmtpListener listener = SmtpListener.NONE;
        private String defaultEncoding = "UTF-8";
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private RetryPolicy retry = RetryPolicy.DISABLED;
        private RetryClock retryClock = RetryClock.SYSTEM;
        private int asyncThreads = DEFAULT_ASYNC_THREADS;
        private int asyncMaxPending = DEFAULT_ASYNC_MAX_PENDING;

        private Builder(ConnectionSettings connection) {
            this.connection = connection;
        }

        /** How to send (pipelining, chunking); defaults: {@link SendingOptions#DEFAULTS}. */
        public Builder sendingOptions(SendingOptions options) {
            this.sending = options;
            return this;
        }

        /** The pool's size and limits; defaults: {@link PoolSettings#defaults()}. */
        public Builder poolSettings(PoolSettings settings) {
            this.pool = settings;
            return this;
        }

        /** Delivery policy and split rule; defaults: {@link DeliveryOptions#DEFAULTS}. */
        public Builder deliveryOptions(DeliveryOptions options) {
            this.delivery = options;
            return this;
        }

        /** Told of replies, round trips, connections and batches (metrics); none by default. */
        public Builder listener(SmtpListener listener) {
            this.listener = listener;
            return this;
        }

        /** Charset for text parts without one; default UTF-8. */
        public Builder defaultEncoding(String charset) {
            this.defaultEncoding = charset;
            return this;
        }

        /** Longest {@link SmtpMailer#close()} waits for sends in progress; default 10 s. */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = timeout;
            return this;
        }

        /** Automatic retry of what is safe to send again; default {@link RetryPolicy#DISABLED}. */
        public Builder retryPolicy(RetryPolicy policy) {
            this.retry = java.util.Objects.requireNonNull(policy);
            return this;
        }

        /** The time source and wait of retry; default {@link RetryClock#SYSTEM} (for tests and simulations). */
        public Builder retryClock(RetryClock clock) {
            this.retryClock = java.util.Objects.requireNonNull(clock);
            return this;
        }

        /**
         * The {@link SmtpMailer#sendAsync} executor: its threads (default {@value SmtpMailer#DEFAULT_ASYNC_THREADS})
         * and the most calls accepted and not yet completed (default {@value SmtpMailer#DEFAULT_ASYNC_MAX_PENDING}).
         */
        public Builder async(int threads, int maxPending) {
            this.asyncThreads = threads;
            this.asyncMaxPending = maxPending;
            return this;
        }

        public SmtpMailer build() {
            return new SmtpMailer(new SmtpConnectionPool(connection, sending, pool, listener), delivery,
                    defaultEncoding, shutdownTimeout, listener, retry, retryClock, asyncThreads, asyncMaxPending);
        }
    }
}
