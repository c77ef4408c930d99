package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.protocol.Capabilities;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.Printable;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One SMTP session: opened (greeting, EHLO, STARTTLS, AUTH) by {@link #open}, then any number of
 * {@link #send} calls, then {@link #close()} (QUIT). Replies are paired with commands by counting;
 * see {@link TransactionRunner} for how a batch is pipelined.
 *
 * <p>Thread-safety: one thread at a time (a pool lends it to one borrower). {@link #state()} may be
 * read from any thread. A connection whose state is not {@link State#READY} must not be used again:
 * the server closed it, replied 421, broke the protocol, or timed out.
 */
public final class SmtpConnection implements Closeable {

    private static final System.Logger LOG = System.getLogger(SmtpConnection.class.getName());
    private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(5);

    /** Where a connection stands. */
    public enum State {
        /** Usable. */
        READY,
        /** Ended by the server or an error; close it. */
        BROKEN,
        /** Closed. */
        CLOSED
    }

    private final ConnectionSettings settings;
    private final SendingOptions options;
    private final Wire wire;
    private final CommandPipeline pipeline;
    private final TransactionRunner runner;
    private final Capabilities capabilities;
    private final long openedAtNanos = System.nanoTime();
    private volatile long lastActivityNanos = openedAtNanos;
    private volatile State state = State.READY;
    private long messagesSent;
    private int transactionsStarted;

    private SmtpConnection(ConnectionSettings settings, SendingOptions options, Wire wire, CommandPipeline pipeline,
                           Capabilities capabilities) {
        this.settings = settings;
        this.options = options;
        this.wire = wire;
        this.pipeline = pipeline;
        this.runner = new TransactionRunner(pipeline, settings, options);
        this.capabilities = capabilities;
    }

    /** Connects and opens the session with the default {@link SendingOptions}, telling no listener. */
    public static SmtpConnection open(ConnectionSettings settings) throws IOException {
        return open(settings, SendingOptions.DEFAULTS, SmtpListener.NONE);
    }

    /** Connects and opens the session, telling no listener. */
    public static SmtpConnection open(ConnectionSettings settings, SendingOptions options) throws IOException {
        return open(settings, options, SmtpListener.NONE);
    }

    /**
     * Connects and opens the session.
     *
     * <p>With XOAUTH2, a token the server refuses (535, usually after the 334 error challenge) is
     * invalidated ({@link OAuth2TokenProvider#invalidate}), the refused connection is closed, and
     * the session is opened once more on a new connection with a fresh token; only a second refusal
     * is thrown. Both attempts together are bounded by twice the connect, greeting and command
     * timeouts, plus the provider's own fetches.
     *
     * @param settings how to connect
     * @param options  how to send
     * @param listener told of every reply and round trip on this connection
     *
     * @throws SmtpTimeoutException         connect, greeting or a set-up command timed out
     * @throws SmtpReplyException           the greeting or EHLO/HELO was refused (e.g. 554)
     * @throws SmtpSecurityException        the TLS policy or the plaintext-AUTH rule forbade going on
     * @throws SmtpTokenRefusedException    XOAUTH2: a fresh token was refused too, after the first was invalidated
     * @throws SmtpAuthenticationException  AUTH was refused or impossible
     * @throws javax.net.ssl.SSLException   the TLS handshake failed (certificate, hostname)
     * @throws io.github.pipeliningsmtp.protocol.SmtpProtocolException malformed reply or data after STARTTLS
     * @throws IOException                  connect refused, reset, EOF
     */
    public static SmtpConnection open(ConnectionSettings settings, SendingOptions options, SmtpListener listener)
            throws IOException {
        try {
            return openOnce(settings, options, listener);
        } catch (SmtpTokenRefusedException refused) {
            LOG.log(Level.INFO, "the OAuth 2 access token was refused by {0}:{1} ({2}); it was invalidated,"
                    + " authenticating once more with a fresh token on a new connection", settings.host(),
                    String.valueOf(settings.port()), refused.status().map(s -> "status " + s).orElse("no status"));
            try {
                return openOnce(settings, options, listener);
            } catch (SmtpTokenRefusedException again) {
                SmtpTokenRefusedException thrown = again.afterFreshTokenRefused();
                thrown.addSuppressed(refused);
                throw thrown;
            }
        }
    }

    /** One attempt; a refused XOAUTH2 token is invalidated before the refusal is thrown. */
    private static SmtpConnection openOnce(ConnectionSettings settings, SendingOptions options, SmtpListener listener)
            throws IOException {
        Wire wire = Wire.connect(settings);
        CommandPipeline pipeline = new CommandPipeline(wire, settings.commandTimeout(), listener);
        SessionSetup setup = new SessionSetup(wire, pipeline, settings);
        try (InterruptWatch watch = InterruptWatch.watch(wire)) {
            Capabilities capabilities = setup.run();
            // a supplier, not a MessageFormat pattern: {1} would print port 2526 as "2,526"
            LOG.log(Level.DEBUG, () -> "connected to " + settings.host() + ":" + settings.port() + " tls="
                    + wire.isTls() + " " + capabilities);
            return new SmtpConnection(settings, options, wire, pipeline, capabilities);
        } catch (SmtpTokenRefusedException e) {
            wire.abort();
            invalidate(settings.credentials().tokenProvider(), setup.tokenSent());
            throw e;
        } catch (IOException | RuntimeException | Error e) {
            wire.abort();
            throw e;
        }
    }

    private static void invalidate(OAuth2TokenProvider provider, String token) {
        try {
            provider.invalidate(token);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the OAuth 2 token provider failed to invalidate a refused token: {0}",
                    e.getClass().getName());
        }
    }

    /**
     * Sends the messages in order on this connection, pipelined when the server advertises
     * PIPELINING and the settings allow it, and returns one ledger per message in the same order.
     * Server refusals are in the ledgers, never thrown. If the connection ends midway, the messages
     * it had not reached are FAILED (transient, not sent) and the connection is {@link State#BROKEN}.
     * A failure inside the client (a {@link RuntimeException} or an {@link Error} such as
     * {@link OutOfMemoryError}, thrown by a listener, by content or by a bug) is not thrown either:
     * a message it hit while being prepared is FAILED (LOCAL, not sent); once anything was written the
     * connection is retired and every message not yet settled ends by the usual rules, FAILED if its
     * MAIL FROM was not written or nothing of its content can have been committed, else UNKNOWN, with
     * the failure as the error's exception.
     *
     * @throws IllegalArgumentException if an address or parameter could not be written safely (CR,
     *                                  LF, NUL...); nothing is written and the connection stays usable
     * @throws IllegalStateException    if the connection is not READY
     */
    public List<MessageLedger> send(List<OutgoingMessage> messages) {
        return send(messages, DeliveryPolicy.PARTIAL);
    }

    /**
     * As {@link #send(List)}, with the given policy for messages whose recipients are only partly
     * accepted.
     */
    public List<MessageLedger> send(List<OutgoingMessage> messages, DeliveryPolicy policy) {
        return send(messages, policy, MessageFeed.NONE);
    }

    /**
     * As {@link #send(List, DeliveryPolicy)}, taking more messages from {@code feed} while the send is
     * in progress (with PIPELINING; see {@link MessageFeed}), at most as many as the session may still
     * start (MAILMAX, RFC 9422 §4.1). Returns one ledger per message: those of {@code messages}, then
     * those of every message the feed gave, in order; each follows the rules above.
     */
    public List<MessageLedger> send(List<OutgoingMessage> messages, DeliveryPolicy policy, MessageFeed feed) {
        SendEntries entries = new SendEntries(capabilities, feed, remainingTransactions());
        entries.addAll(messages);
        requireReady();
        List<Transaction> transactions = entries.transactions();
        // with BDAT the content follows the envelope unread: on a connection idle for a while, probe first
        boolean probeFirst = messagesSent > 0
                && System.nanoTime() - lastActivityNanos >= settings.idleCheckAfter().toNanos();
        try (InterruptWatch watch = InterruptWatch.watch(wire)) {
            runner.run(List.copyOf(transactions), isPipelining(), isChunking(), policy, probeFirst, entries);
        } catch (RuntimeException | Error e) {
            abandon(transactions, e);
        }
        messagesSent += entries.size();
        transactionsStarted += (int) transactions.stream().filter(t -> t.ledger().started()).count();
        lastActivityNanos = System.nanoTime();
        if (!runner.usable() || wire.isClosed()) {
            state = State.BROKEN;
            wire.abort();
        }
        return entries.ledgers();
    }

    /**
     * The send failed inside the client: nothing more is known of the server's state, so the
     * connection is retired (the writer thread has ended when this returns) and every message not yet
     * settled ends by the usual rules (see {@link Transaction#settle}).
     */
    private void abandon(List<Transaction> transactions, Throwable e) {
        LOG.log(Level.WARNING, "a send failed inside the client; the connection is retired: {0}", e.toString());
        state = State.BROKEN;
        pipeline.abandon();
        SmtpError notSent = SmtpError.local(SmtpStep.MAIL_FROM, "not sent: the send failed inside the client: " + e, e);
        SmtpError cut = SmtpError.local(SmtpStep.DATA_CONTENT, "the send failed inside the client after MAIL FROM was"
                + " written: " + e, e);
        for (Transaction tx : transactions) {
            tx.settle(notSent, cut);
        }
    }

    /**
     * Closes the socket at once, from any thread, without QUIT: a send in progress on it ends within
     * moments (its ledgers by the usual rules, the error naming {@code reason}) and the connection is
     * BROKEN. For shutting down a pool whose connections are still lent out.
     */
    public void abort(String reason) {
        wire.abort(reason);
    }

    /** Sends NOOP and returns its reply; a failure leaves the connection BROKEN. */
    public SmtpReply noop() throws IOException {
        return call(SmtpCommand.noop());
    }

    private SmtpReply call(SmtpCommand command) throws IOException {
        requireReady();
        try {
            wire.send(command);
            pipeline.countRoundTrip();
            SmtpReply reply = wire.readReply(SmtpStep.of(command.verb()), command.display(), settings.commandTimeout());
            pipeline.replied(command.verb().name(), reply);
            lastActivityNanos = System.nanoTime();
            if (reply.isServiceClosing()) {
                markBroken();
            }
            return reply;
        } catch (IOException | RuntimeException e) {
            markBroken();
            throw e;
        }
    }

    private void markBroken() {
        state = State.BROKEN;
        wire.abort();
    }

    /** The capabilities in effect (after STARTTLS, those of the second EHLO). */
    public Capabilities capabilities() {
        return capabilities;
    }

    /** Whether batches are pipelined: PIPELINING advertised and allowed by the settings. */
    public boolean isPipelining() {
        return options.pipelining() && capabilities.pipelining();
    }

    /** Whether content goes as BDAT chunks: CHUNKING and PIPELINING advertised, chunking allowed by the settings. */
    public boolean isChunking() {
        return isPipelining() && options.chunking() && capabilities.chunking();
    }

    /** Whether the session is encrypted (implicit TLS or STARTTLS). */
    public boolean isTls() {
        return wire.isTls();
    }

    /** The state. */
    public State state() {
        // aborted from another thread (the pool closing, an interrupt) while lent out
        return state == State.READY && wire.isClosed() ? State.BROKEN : state;
    }

    /**
     * For an idle connection about to be reused: true if it is not READY, or the server sent
     * something unasked (a 421 or 451 waiting in the socket), or (after {@link
     * ConnectionSettings#idleCheckAfter()} idle, 1 s by default) closed it. The EOF check waits at
     * most 1 ms; a server that closed it since is handled by the stale-connection retry.
     */
    public boolean isStale() {
        if (state != State.READY) {
            return true;
        }
        if (System.nanoTime() - lastActivityNanos < settings.idleCheckAfter().toNanos()) {
            try {
                return wire.hasUnreadInput();
            } catch (IOException e) {
                return true;
            }
        }
        return wire.isStale();
    }

    /** Time since the last command's reply (or since opening). */
    public Duration idleTime() {
        return Duration.ofNanos(System.nanoTime() - lastActivityNanos);
    }

    /** MAIL FROM commands written so far. */
    public int transactionsStarted() {
        return transactionsStarted;
    }

    /**
     * Transactions this session may still start: MAILMAX (RFC 9422 §4.1) minus those started, or
     * {@link Integer#MAX_VALUE} without a trusted limit (see {@link #limitsTrusted()}).
     */
    public int remainingTransactions() {
        if (!limitsTrusted() || capabilities.mailMax().isEmpty()) {
            return Integer.MAX_VALUE;
        }
        return Math.max(0, capabilities.mailMax().getAsInt() - transactionsStarted);
    }

    /**
     * Most RCPT TO per transaction: the smaller of the client's own limit
     * ({@link SendingOptions#maxRecipientsPerTransaction()}, applied whatever the session) and RCPTMAX
     * (RFC 9422 §4.2) when trusted (see {@link #limitsTrusted()}); {@link Integer#MAX_VALUE} when
     * neither is set.
     */
    public int rcptMax() {
        int own = options.maxRecipientsPerTransaction();
        if (!limitsTrusted() || capabilities.rcptMax().isEmpty()) {
            return own;
        }
        return Math.min(own, capabilities.rcptMax().getAsInt());
    }

    /**
     * LIMITS are honoured only over TLS, or when the server did not offer STARTTLS: in a plaintext
     * session that could have been encrypted, a man in the middle could lower them (RFC 9422 §6).
     */
    public boolean limitsTrusted() {
        return wire.isTls() || !capabilities.startTls();
    }

    /** Round trips so far (a write followed by a wait for replies), set-up included. */
    public long roundTrips() {
        return pipeline.roundTrips();
    }

    /** Commands written so far, set-up included. */
    public long commandsSent() {
        return pipeline.commandsSent();
    }

    /** Messages handed to {@link #send} so far. */
    public long messagesSent() {
        return messagesSent;
    }

    /** Time since the connection was opened. */
    public Duration age() {
        return Duration.ofNanos(System.nanoTime() - openedAtNanos);
    }

    /**
     * QUIT (waiting at most 5 s or the command timeout for 221) when READY, then closes the socket.
     * Never throws; idempotent.
     */
    @Override
    public void close() {
        if (beginQuit()) {
            finishQuit(System.nanoTime() + quitTimeout().toNanos());
        }
        state = State.CLOSED;
        wire.abort();
    }

    /**
     * The first half of {@link #close()}: writes QUIT when READY and not stale, without waiting for
     * its reply, so that a pool can QUIT all its connections at once and then wait for all the
     * replies within one QUIT timeout ({@link #quitTimeout()}). Never throws; a failed write closes
     * the socket at once.
     *
     * @return true when QUIT was written and {@link #finishQuit} should read its reply; false when
     *     the connection is closed already (nothing to wait for)
     */
    public boolean beginQuit() {
        if (state != State.READY || wire.isStale()) {
            state = State.CLOSED;
            wire.abort();
            return false;
        }
        try {
            wire.send(SmtpCommand.quit());
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "QUIT failed: {0}", Printable.of(e.toString()));
            state = State.CLOSED;
            wire.abort();
            return false;
        }
    }

    /**
     * The second half of {@link #close()} after {@link #beginQuit()} returned true: waits for the
     * reply to QUIT until {@code deadlineNanos} (a {@link System#nanoTime()} value; at least 1 ms
     * is always allowed), then closes the socket. Never throws; idempotent.
     */
    public void finishQuit(long deadlineNanos) {
        if (state == State.READY) {
            long left = Math.max(deadlineNanos - System.nanoTime(), 1_000_000L);
            try {
                wire.readReply(SmtpStep.QUIT, "QUIT", Duration.ofNanos(left));
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "QUIT failed: {0}", Printable.of(e.toString()));
            }
        }
        if (state != State.CLOSED) {
            LOG.log(Level.DEBUG, () -> "closed connection to " + settings.host() + ":" + settings.port() + " after "
                    + messagesSent + " messages, " + age().toMillis() + " ms (" + state + ")");
        }
        state = State.CLOSED;
        wire.abort();
    }

    /** How long {@link #close()} waits for the reply to QUIT: 5 s, or the command timeout if shorter. */
    public Duration quitTimeout() {
        return settings.commandTimeout().compareTo(QUIT_TIMEOUT) < 0 ? settings.commandTimeout() : QUIT_TIMEOUT;
    }

    private void requireReady() {
        if (state != State.READY) {
            throw new IllegalStateException("connection is " + state);
        }
    }

    @Override
    public String toString() {
        return "SmtpConnection[" + settings.host() + ":" + settings.port() + " " + state + "]";
    }
}
