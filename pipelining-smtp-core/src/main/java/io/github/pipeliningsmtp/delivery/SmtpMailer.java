package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DsnOptions;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Properties;

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

    private final SmtpConnectionPool pool;
    private final BatchDelivery delivery;
    private final RetryingDelivery retrying;
    private final Session session;
    private final SmtpListener listener;
    private final Duration shutdownTimeout;
    private volatile DsnOptions defaultDsn;

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
        long start = System.nanoTime();
        int n = messages.size();
        Exception[] errors = new Exception[n];
        List<OutgoingMessage> outgoing = new ArrayList<>(n);
        List<Integer> index = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                outgoing.add(prepare(messages.get(i)));
                index.add(i);
            } catch (MessagingException | IllegalArgumentException e) {
                errors[i] = new MessagePreparationException(e);
            }
        }
        RetryingDelivery.Outcome retried = retrying.deliver(outgoing);
        BatchDelivery.Outcome outcome = retried.batch();
        MessageLedger[] ledgers = new MessageLedger[n];
        for (int k = 0; k < index.size(); k++) {
            ledgers[index.get(k)] = outcome.ledgers().get(k);
        }
        List<SendReport.Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Exception error = errors[i];
            if (ledgers[i] == null) {
                // not prepared: its recipients, if it has any, are in the ledger as FAILED (LOCAL)
                ledgers[i] = unpreparedLedger(messages.get(i), error);
            } else if (outcome.connectionFailure() != null && !ledgers[i].started()) {
                error = outcome.connectionFailure();
            }
            entries.add(new SendReport.Entry(originals.get(i), ledgers[i], error));
        }
        SendReport report = new SendReport(entries, outcome.roundTrips(), retried.waited());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        BatchLog.completed(report, elapsed);
        listener.batchCompleted(report, elapsed);
        return report;
    }

    private OutgoingMessage prepare(MimeMessage message) throws MessagingException {
        if (message.getSentDate() == null) {
            message.setSentDate(new Date());
        }
        String messageId = message.getMessageID();
        message.saveChanges();
        if (messageId != null) {
            message.setHeader("Message-ID", messageId);
        }
        Envelope envelope = MimeEnvelopes.of(message);
        return new OutgoingMessage(envelope, MessageContent.of(message), MimeEnvelopes.dsn(message, defaultDsn));
    }

    private static MessageLedger unpreparedLedger(MimeMessage message, Exception error) {
        try {
            List<String> recipients = new ArrayList<>();
            for (String header : new String[] {"To", "Cc", "Bcc"}) {
                String value = message.getHeader(header, ",");
                if (value != null) {
                    // not strict: a header that failed preparation may not parse strictly
                    for (InternetAddress a : InternetAddress.parseHeader(value, false)) {
                        recipients.add(a.getAddress());
                    }
                }
            }
            if (recipients.isEmpty()) {
                return null;
            }
            return MessageLedger.notSent(new Envelope("", recipients), SmtpError.local(SmtpStep.MAIL_FROM,
                    "not sent: the message could not be prepared: " + error.getCause().getMessage(), error));
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    /** Waits up to the shutdown timeout for sends in progress, then QUITs every connection. */
    @Override
    public void close() {
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

        public SmtpMailer build() {
            return new SmtpMailer(new SmtpConnectionPool(connection, sending, pool, listener), delivery,
                    defaultEncoding, shutdownTimeout, listener, retry, retryClock);
        }
    }
}
