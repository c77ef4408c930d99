package io.github.pipeliningsmtp.testing;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * A relay that limits its clients the way bulk-mail providers do, on top of a {@link StandardSession}
 * (which stores what it accepts in {@link ScriptedSmtpServer#messages()}, so that a test can check
 * that each message arrived exactly once). Install it with
 * {@link ScriptedSmtpServer#setDefaultScript(SessionScript)}; one instance keeps the account's
 * state for every connection. Each limit is off unless set:
 * <ul>
 *   <li>{@linkplain Builder#concurrentTransactions(int) concurrent transactions} (Office 365): a
 *       DATA while that many other transactions are between their accepted DATA and their end of
 *       data gets {@value #CONCURRENCY_REPLY}; the session stays open;</li>
 *   <li>{@linkplain Builder#concurrentConnections(int) concurrent connections} (SES, variant B):
 *       a connection while that many are open is greeted with {@value #CONNECTIONS_REPLY} and
 *       closed;</li>
 *   <li>{@linkplain Builder#rate(int, Duration, RateCheck) a rate} (SES): at most that many messages
 *       per rolling window; beyond it {@value #RATE_REPLY} at DATA or at the end of data, and the
 *       refused message is not stored;</li>
 *   <li>{@linkplain Builder#dailyQuota(int) a daily quota} (SES): once that many messages are
 *       stored (or past DATA), every DATA gets {@value #QUOTA_REPLY};</li>
 *   <li>{@linkplain Builder#messagesPerConnection(int) messages per connection} (SendGrid): the MAIL
 *       after that many messages on a connection gets {@value #PER_CONNECTION_REPLY} and the
 *       connection is closed;</li>
 *   <li>{@linkplain Builder#idleTimeout(Duration) an idle timeout} (SES): a connection without a
 *       command for that long (real time) gets {@value #IDLE_REPLY} and is closed.</li>
 * </ul>
 * A {@linkplain Builder#transactionTime(Duration) transaction time} holds each end of data's reply,
 * so that concurrent clients meet the caps. The rate window runs on the {@linkplain Builder#clock(LongSupplier) clock} (nanoseconds,
 * {@link System#nanoTime()} by default) so that a test can move time itself. Every DATA is recorded
 * as an {@link Attempt} with its recipients and the code it got. Thread-safe: sessions run on
 * their own threads and share the account's state under this object's lock.
 */
public final class ProviderSimulator implements SessionScript {

    /** Office 365's refusal of a transaction over its concurrency cap. */
    public static final String CONCURRENCY_REPLY = "432 4.3.2 Concurrent connections limit exceeded.";
    /** SES's greeting for a connection over its cap. */
    public static final String CONNECTIONS_REPLY = "421 4.7.0 Too many concurrent SMTP connections";
    /** SES's refusal over its sending rate. */
    public static final String RATE_REPLY = "454 Throttling failure: Maximum sending rate exceeded";
    /** SES's refusal once the daily quota is used up. */
    public static final String QUOTA_REPLY = "454 Throttling failure: Daily message quota exceeded";
    /** SendGrid's end of a connection after its messages per connection. */
    public static final String PER_CONNECTION_REPLY = "421 4.4.5 Too many messages on this connection";
    /** SES's end of an idle connection. */
    public static final String IDLE_REPLY = "451 4.4.2 Timeout waiting for data from client";

    /** Where the rate is enforced. */
    public enum RateCheck {
        /** The DATA command is refused; no content is sent. */
        DATA,
        /** The content is read, then refused at the end of data. */
        END_OF_DATA
    }

    /**
     * One DATA command the simulator answered.
     *
     * @param connection the connection index
     * @param recipients the transaction's accepted recipients
     * @param dataCode   the reply code to DATA (354 when accepted)
     * @param endCode    the reply code to the end of data, 0 when no content was taken
     */
    public record Attempt(int connection, List<String> recipients, int dataCode, int endCode) {
    }

    /** One connection's state. */
    private static final class Conversation {
        final List<String> recipients = new ArrayList<>();
        boolean holdsSlot;
        int messages;
    }

    private final int concurrentTransactions;
    private final int concurrentConnections;
    private final int rate;
    private final Duration rateWindow;
    private final RateCheck rateCheck;
    private final int dailyQuota;
    private final int messagesPerConnection;
    private final Duration idleTimeout;
    private final Duration transactionTime;
    private final LongSupplier clock;
    private final StandardSession standard;
    private final Map<ServerSession, Conversation> conversations = new ConcurrentHashMap<>();
    private final Deque<Long> accepted = new ArrayDeque<>();
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> refusals = new ConcurrentHashMap<>();
    private int openConnections;
    private int slotsHeld;
    private int peakTransactions;
    private int stored;

    private ProviderSimulator(Builder b) {
        this.concurrentTransactions = b.concurrentTransactions;
        this.concurrentConnections = b.concurrentConnections;
        this.rate = b.rate;
        this.rateWindow = b.rateWindow;
        this.rateCheck = b.rateCheck;
        this.dailyQuota = b.dailyQuota;
        this.messagesPerConnection = b.messagesPerConnection;
        this.idleTimeout = b.idleTimeout;
        this.transactionTime = b.transactionTime;
        this.clock = b.clock;
        this.standard = b.base.toBuilder()
                .commandHook(this::onCommand)
                .rcptReply(this::onRcpt)
                .dataReply(this::onData)
                .endOfDataReply(this::onEndOfData)
                .build();
    }

    /** A builder: every limit off, the real clock. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void run(ServerSession session) throws Exception {
        boolean over;
        synchronized (this) {
            openConnections++;
            over = concurrentConnections > 0 && openConnections > concurrentConnections;
        }
        try {
            if (over) {
                refused(CONNECTIONS_REPLY);
                session.reply(CONNECTIONS_REPLY);
                session.closeFin();
                return;
            }
            conversations.put(session, new Conversation());
            StandardConversation conversation = new StandardConversation(standard, session);
            session.reply(standard.greeting);
            while (true) {
                String line;
                try {
                    line = idleTimeout == null ? session.readLine() : session.readLine(idleTimeout);
                } catch (SocketTimeoutException idle) {
                    refused(IDLE_REPLY);
                    session.reply(IDLE_REPLY);
                    session.closeFin();
                    return;
                }
                if (line == null || !conversation.handleLine(line)) {
                    return;
                }
            }
        } finally {
            synchronized (this) {
                openConnections--;
                Conversation c = conversations.remove(session);
                if (c != null) {
                    endTransaction(c);
                }
            }
        }
    }

    private List<String> onCommand(ServerSession session, String line) throws Exception {
        String verb = StandardConversation.verb(line);
        if (!verb.equals("MAIL") && !verb.equals("RSET") && !verb.equals("EHLO") && !verb.equals("HELO")) {
            return null;
        }
        Conversation c = conversations.get(session);
        synchronized (this) {
            endTransaction(c);
        }
        c.recipients.clear();
        if (verb.equals("MAIL") && messagesPerConnection > 0 && c.messages >= messagesPerConnection) {
            refused(PER_CONNECTION_REPLY);
            session.reply(PER_CONNECTION_REPLY);
            session.closeFin();
            throw new StandardConversation.Ended();
        }
        return null;
    }

    private List<String> onRcpt(ServerSession session, String address) {
        conversations.get(session).recipients.add(address);
        return null;
    }

    private List<String> onData(ServerSession session, String line) {
        Conversation c = conversations.get(session);
        String refusal = null;
        synchronized (this) {
            peakTransactions = Math.max(peakTransactions, slotsHeld + 1);
            if (dailyQuota > 0 && stored + slotsHeld >= dailyQuota) {
                refusal = QUOTA_REPLY;
            } else if (concurrentTransactions > 0 && slotsHeld >= concurrentTransactions) {
                refusal = CONCURRENCY_REPLY;
            } else if (rateCheck == RateCheck.DATA && !takeRate()) {
                refusal = RATE_REPLY;
            } else {
                c.holdsSlot = true;
                slotsHeld++;
            }
        }
        if (refusal != null) {
            refused(refusal);
            attempts.add(new Attempt(session.connectionIndex(), List.copyOf(c.recipients), code(refusal), 0));
            c.recipients.clear();
            return List.of(refusal);
        }
        return null;
    }

    private List<String> onEndOfData(ServerSession session, String content) throws Exception {
        Conversation c = conversations.get(session);
        if (!transactionTime.isZero()) {
            session.pause(transactionTime);
        }
        String refusal = null;
        synchronized (this) {
            if (rateCheck == RateCheck.END_OF_DATA && !takeRate()) {
                refusal = RATE_REPLY;
            } else {
                stored++;
                c.messages++;
            }
            endTransaction(c);
        }
        attempts.add(new Attempt(session.connectionIndex(), List.copyOf(c.recipients), 354,
                refusal == null ? 250 : code(refusal)));
        c.recipients.clear();
        if (refusal != null) {
            refused(refusal);
            return List.of(refusal);
        }
        return null;
    }

    /** Takes one message of the rate window; false when the window is full. Under the lock. */
    private boolean takeRate() {
        if (rate <= 0) {
            return true;
        }
        long now = clock.getAsLong();
        while (!accepted.isEmpty() && now - accepted.peekFirst() >= rateWindow.toNanos()) {
            accepted.pollFirst();
        }
        if (accepted.size() >= rate) {
            return false;
        }
        accepted.addLast(now);
        return true;
    }

    /** Under the lock. */
    private void endTransaction(Conversation c) {
        if (c != null && c.holdsSlot) {
            c.holdsSlot = false;
            slotsHeld--;
        }
    }

    private void refused(String reply) {
        refusals.merge(reply, 1, Integer::sum);
    }

    private static int code(String reply) {
        return Integer.parseInt(reply.substring(0, 3));
    }

    /** Every DATA answered so far, in the order answered. */
    public List<Attempt> attempts() {
        return Collections.unmodifiableList(attempts);
    }

    /** The DATA commands (attempts) of transactions that included {@code recipient}. */
    public List<Attempt> attemptsFor(String recipient) {
        return attempts.stream().filter(a -> a.recipients().contains(recipient)).toList();
    }

    /** How many times the simulator gave {@code reply} (one of the constants of this class). */
    public int refusals(String reply) {
        return refusals.getOrDefault(reply, 0);
    }

    /** The most transactions that were in progress at once, counting each DATA with those already holding a place. */
    public synchronized int peakTransactions() {
        return peakTransactions;
    }

    /** Messages stored so far. */
    public synchronized int stored() {
        return stored;
    }

    /** Configures a {@link ProviderSimulator}; not thread-safe. */
    public static final class Builder {
        private int concurrentTransactions;
        private int concurrentConnections;
        private int rate;
        private Duration rateWindow = Duration.ofSeconds(1);
        private RateCheck rateCheck;
        private int dailyQuota;
        private int messagesPerConnection;
        private Duration idleTimeout;
        private Duration transactionTime = Duration.ZERO;
        private LongSupplier clock = System::nanoTime;
        private StandardSession base = new StandardSession();

        private Builder() {
        }

        /** At most {@code n} transactions past DATA at once; the next DATA gets {@value #CONCURRENCY_REPLY}. */
        public Builder concurrentTransactions(int n) {
            this.concurrentTransactions = n;
            return this;
        }

        /** At most {@code n} connections open at once; the next is greeted with {@value #CONNECTIONS_REPLY} and closed. */
        public Builder concurrentConnections(int n) {
            this.concurrentConnections = n;
            return this;
        }

        /** At most {@code messages} per rolling {@code window}, checked at {@code check}. */
        public Builder rate(int messages, Duration window, RateCheck check) {
            this.rate = messages;
            this.rateWindow = Objects.requireNonNull(window);
            this.rateCheck = Objects.requireNonNull(check);
            return this;
        }

        /** Once {@code n} messages are stored, every DATA gets {@value #QUOTA_REPLY}. */
        public Builder dailyQuota(int n) {
            this.dailyQuota = n;
            return this;
        }

        /** After {@code n} messages on a connection, the next MAIL gets {@value #PER_CONNECTION_REPLY} and a close. */
        public Builder messagesPerConnection(int n) {
            this.messagesPerConnection = n;
            return this;
        }

        /** A connection silent for {@code timeout} (real time) gets {@value #IDLE_REPLY} and a close. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * How long (real time) the relay takes to answer an end of data, holding the transaction's
         * place meanwhile: lets concurrent clients meet the concurrency cap; default zero.
         */
        public Builder transactionTime(Duration time) {
            this.transactionTime = Objects.requireNonNull(time);
            return this;
        }

        /** The clock of the rate window, in nanoseconds. */
        public Builder clock(LongSupplier nanos) {
            this.clock = Objects.requireNonNull(nanos);
            return this;
        }

        /** The conversation underneath (its reply functions for RCPT, DATA and end of data and its hook are replaced). */
        public Builder session(StandardSession session) {
            this.base = Objects.requireNonNull(session);
            return this;
        }

        /** The simulator. */
        public ProviderSimulator build() {
            return new ProviderSimulator(this);
        }
    }
}
