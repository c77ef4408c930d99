package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageFeed;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SessionFailures;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Sends a list of messages over pooled connections, one transaction per message unless the server
 * says otherwise, and merges what each transaction reported into one ledger per message:
 * <ul>
 *   <li>LIMITS (RFC 9422), when trusted, and the client's own limit
 *       ({@link io.github.pipeliningsmtp.client.SendingOptions#maxRecipientsPerTransaction()}): a
 *       message with more recipients than the smaller of RCPTMAX and that limit
 *       ({@link SmtpConnection#rcptMax()}) is sent in several transactions of at most that many,
 *       each with the whole content, merged into one ledger; a session never starts more than MAILMAX
 *       transactions (the connection is then retired and the rest go on a new one).</li>
 *   <li>Too many recipients (452 4.5.3, or the older 552 5.5.3, RFC 5321 §4.5.3.1.10): when the
 *       transaction accepted some recipients, the refused ones are sent in a new transaction with
 *       the same content, until every recipient is delivered once or refused for another reason.</li>
 *   <li>Messages whose MAIL FROM was never written because the connection ended first are sent on
 *       a new connection; so is the first message on a reused connection the server had dropped
 *       while idle (EOF, reset, 421 or 451 on its first command; docs/fault-kinds.md#stale-pooled-connection). At most two broken
 *       connections per call.</li>
 * </ul>
 * Neither split applies to {@link DeliveryPolicy#ALL_OR_NOTHING}: such a message is one
 * transaction, delivered to all its recipients or to none. Splitting needs content that can be written more than once ({@link
 * io.github.pipeliningsmtp.client.MessageContent#repeatable()}). Nothing whose content may have
 * reached the server is ever sent again.
 *
 * <p>Fed by a {@link FlightDispatcher} lane ({@link Connections#more}), one call also takes messages
 * that arrive while it runs: each connection's send asks the lane for more while it is in progress
 * (see {@link MessageFeed}), no more than the connection may still carry (MAILMAX and the pool's
 * max-messages-per-connection, counting every transaction of the call on it), and those messages
 * follow every rule above as the call's own do. A message whose transaction was answered (its content
 * got its reply) and that needs nothing more is told to the lane at once ({@link Connections#answered}),
 * so that its caller need not wait for the call to end. Thread-safe.
 */
public final class PooledDelivery {

    private static final int MAX_BROKEN_CONNECTIONS = 2;

    private final SmtpConnectionPool pool;
    private final DeliveryOptions options;

    /**
     * @param pool    where connections come from
     * @param options the delivery policy and whether recipients refused as too many go in a new transaction
     */
    public PooledDelivery(SmtpConnectionPool pool, DeliveryOptions options) {
        this.pool = pool;
        this.options = options;
    }

    /** With {@link DeliveryOptions#DEFAULTS}. */
    public PooledDelivery(SmtpConnectionPool pool) {
        this(pool, DeliveryOptions.DEFAULTS);
    }

    /**
     * Sends the messages with the options' policy; see {@link #deliver(List, DeliveryPolicy)}.
     *
     * @throws IOException when no connection can be had before anything was sent
     */
    public Result deliver(List<OutgoingMessage> messages) throws IOException {
        return deliver(messages, options.policy());
    }

    /** The pool. */
    public SmtpConnectionPool pool() {
        return pool;
    }

    /** The result of one delivery: a ledger per message, in order, and the round trips spent. */
    public record Result(List<MessageLedger> ledgers, long roundTrips) {
    }

    /** Some recipients (indexes into the envelope) of one message (index into the call's list). */
    private record Item(int message, int[] recipients) {
    }

    /**
     * Sends the messages on one pooled connection after another (a new one when one breaks),
     * with {@code policy} instead of the options' one.
     *
     * @throws IOException when no connection can be had before anything was sent (borrow timeout,
     *                     connect, TLS or AUTH failure)
     * @throws IllegalArgumentException for an address that cannot be written safely; nothing was sent
     */
    public Result deliver(List<OutgoingMessage> messages, DeliveryPolicy policy) throws IOException {
        return deliver(messages, policy, fromPool);
    }

    /**
     * Where one delivery gets its connections: the pool (interrupt of the calling thread stops it),
     * or a lane of the {@link FlightDispatcher} that holds one already and is stopped by its callers.
     */
    interface Connections {
        /** A READY connection; released once with {@link #release}. */
        SmtpConnection borrow() throws IOException;

        void release(SmtpConnection connection);

        /** Whether nothing more may be started: no new connection, no resend. */
        boolean stopped();

        /**
         * Messages to add to the call in progress, at most {@code max} (at least 1), addresses
         * checked; never blocks; none by default. They are numbered after the call's own and those
         * given before. Called on the sending thread between flights.
         */
        default List<OutgoingMessage> more(int max) {
            return List.of();
        }

        /**
         * Message {@code message}'s ledger is final before the call ends (the call returns it too);
         * {@code roundTrips}: the call's round trips so far. Called on the sending thread.
         */
        default void answered(int message, MessageLedger ledger, long roundTrips) {
        }
    }

    private final Connections fromPool = new Connections() {
        @Override
        public SmtpConnection borrow() throws IOException {
            return PooledDelivery.this.borrow();
        }

        @Override
        public void release(SmtpConnection connection) {
            pool.release(connection);
        }

        @Override
        public boolean stopped() {
            return Thread.currentThread().isInterrupted();
        }
    };

    /** As {@link #deliver(List, DeliveryPolicy)}, with connections from {@code connections}. */
    Result deliver(List<OutgoingMessage> given, DeliveryPolicy policy, Connections connections) throws IOException {
        for (OutgoingMessage m : given) {
            m.envelope().checkAddresses();
        }
        Deque<Item> queue = new ArrayDeque<>();
        List<OutgoingMessage> messages = new ArrayList<>(given.size());
        List<List<int[]>> indexes = new ArrayList<>();
        List<List<MessageLedger>> parts = new ArrayList<>();
        for (OutgoingMessage m : given) {
            add(m, messages, queue, indexes, parts);
        }
        long roundTrips = 0;
        int broken = 0;
        SmtpError notSent = null;
        while (!queue.isEmpty()) {
            SmtpConnection connection;
            try {
                if (connections.stopped()) {
                    // an interrupted send starts nothing more: no new connection, no resend
                    throw new java.io.InterruptedIOException("not sent: the sending thread was interrupted");
                }
                connection = connections.borrow();
            } catch (IOException e) {
                if (roundTrips == 0 && parts.stream().allMatch(List::isEmpty)) {
                    throw e;
                }
                notSent = SessionFailures.errorOf(e, pool.connectionSettings().tlsMode());
                break;
            }
            List<Item> taken = new ArrayList<>();
            List<MessageLedger> ledgers;
            boolean reused = connection.transactionsStarted() > 0;
            boolean connectionBroke;
            try {
                // all-or-nothing is per message: never split one over several transactions
                int rcptMax = policy == DeliveryPolicy.ALL_OR_NOTHING ? Integer.MAX_VALUE : connection.rcptMax();
                // no more than the connection may still carry: the rest goes on the next connection
                take(queue, taken, Math.min(connection.remainingTransactions(), perConnectionRoom(connection)), rcptMax,
                        messages);
                if (taken.isEmpty()) {
                    continue;
                }
                long before = connection.roundTrips();
                Feed feed = new Feed(connections, connection, queue, taken, messages, indexes, parts, rcptMax,
                        roundTrips - before);
                ledgers = connection.send(taken.stream().map(it -> subMessage(messages.get(it.message()), it)).toList(),
                        policy, feed);
                roundTrips += connection.roundTrips() - before;
                connectionBroke = connection.state() != SmtpConnection.State.READY;
            } finally {
                connections.release(connection);
            }
            boolean retryUnstarted = connectionBroke && ++broken <= MAX_BROKEN_CONNECTIONS;
            List<Item> again = new ArrayList<>();
            for (int k = 0; k < taken.size(); k++) {
                Item item = taken.get(k);
                MessageLedger ledger = ledgers.get(k);
                boolean stale = k == 0 && reused && connectionBroke && droppedWhileIdle(ledger);
                if (retryUnstarted && ((!ledger.started() && !isLocal(ledger)) || stale)) {
                    again.add(item);
                    continue;
                }
                indexes.get(item.message()).add(item.recipients());
                parts.get(item.message()).add(ledger);
                int[] tooMany = policy == DeliveryPolicy.ALL_OR_NOTHING ? new int[0]
                        : tooMany(item, ledger, messages.get(item.message()));
                if (tooMany.length > 0) {
                    again.add(new Item(item.message(), tooMany));
                }
            }
            if (reused && connectionBroke && !again.isEmpty()) {
                pool.clearIdle();
            }
            for (int k = again.size() - 1; k >= 0; k--) {
                queue.addFirst(again.get(k));
            }
            if (connectionBroke && !retryUnstarted) {
                break;
            }
        }
        List<MessageLedger> result = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            Envelope envelope = messages.get(i).envelope();
            if (parts.get(i).isEmpty()) {
                result.add(MessageLedger.notSent(envelope, notSent != null ? notSent
                        : SmtpError.local(SmtpStep.MAIL_FROM, "not sent: the connection ended before it", null)));
            } else {
                MessageLedger ledger = MessageLedger.assemble(envelope, indexes.get(i), parts.get(i));
                result.add(ledger.count(RecipientStatus.PENDING) == 0 ? ledger : fillPending(envelope, ledger, notSent));
            }
        }
        return new Result(result, roundTrips);
    }

    /** Adds a message of the call: its ledger parts, and one item with all its recipients to send. */
    private static void add(OutgoingMessage m, List<OutgoingMessage> messages, Deque<Item> queue,
                            List<List<int[]>> indexes, List<List<MessageLedger>> parts) {
        int[] all = new int[m.envelope().recipients().size()];
        Arrays.setAll(all, k -> k);
        queue.add(new Item(messages.size(), all));
        messages.add(m);
        indexes.add(new ArrayList<>());
        parts.add(new ArrayList<>());
    }

    /**
     * What one connection's send asks for while it runs: more messages from the lane (split by
     * RCPTMAX as the call's own; a part that does not fit stays in the call's queue for its next
     * connection), and which of its transactions are over for good.
     */
    private final class Feed implements MessageFeed {
        private final Connections connections;
        private final SmtpConnection connection;
        private final Deque<Item> queue;
        /** The items of this send, in the send's order; fed ones are appended. */
        private final List<Item> taken;
        private final List<OutgoingMessage> messages;
        private final List<List<int[]>> indexes;
        private final List<List<MessageLedger>> parts;
        private final int rcptMax;
        /** Added to the connection's round trips: the call's round trips so far. */
        private final long roundTripsOffset;

        Feed(Connections connections, SmtpConnection connection, Deque<Item> queue, List<Item> taken,
             List<OutgoingMessage> messages, List<List<int[]>> indexes, List<List<MessageLedger>> parts, int rcptMax,
             long roundTripsOffset) {
            this.connections = connections;
            this.connection = connection;
            this.queue = queue;
            this.taken = taken;
            this.messages = messages;
            this.indexes = indexes;
            this.parts = parts;
            this.rcptMax = rcptMax;
            this.roundTripsOffset = roundTripsOffset;
        }

        @Override
        public List<OutgoingMessage> more(int max) {
            if (!queue.isEmpty() || connections.stopped()) {
                return List.of(); // the call's own come first; an interrupted send takes nothing more
            }
            int room = Math.min(max, Math.min(connection.remainingTransactions(), perConnectionRoom(connection))
                    - taken.size());
            if (room <= 0) {
                return List.of();
            }
            for (OutgoingMessage m : connections.more(room)) {
                add(m, messages, queue, indexes, parts);
            }
            List<Item> fed = new ArrayList<>();
            take(queue, fed, room, rcptMax, messages);
            taken.addAll(fed);
            return fed.stream().map(it -> subMessage(messages.get(it.message()), it)).toList();
        }

        @Override
        public void answered(int index, MessageLedger ledger) {
            Item item = taken.get(index);
            OutgoingMessage message = messages.get(item.message());
            boolean whole = item.recipients().length == message.envelope().recipients().size()
                    && parts.get(item.message()).isEmpty();
            boolean again = options.splitTooManyRecipients() && ledger.recipients().stream()
                    .anyMatch(RecipientResult::refusedAsTooMany);
            if (!whole || again || ledger.count(RecipientStatus.PENDING) > 0) {
                return; // known when the send returns
            }
            // answered: started, so never sent again; not split: this is the message's ledger
            MessageLedger copy = MessageLedger.assemble(message.envelope(), List.of(item.recipients()), List.of(ledger));
            connections.answered(item.message(), copy, roundTripsOffset + connection.roundTrips());
        }
    }

    /**
     * A connection from the pool; a failure inside the client while opening one (a listener or an
     * {@link Error} such as {@link OutOfMemoryError}) is a connection that could not be had: nothing
     * of the messages was written on it.
     */
    private SmtpConnection borrow() throws IOException {
        try {
            return pool.borrow();
        } catch (RuntimeException | Error e) {
            throw new IOException("no SMTP connection: opening one failed inside the client: " + e, e);
        }
    }

    /**
     * Transactions {@code connection} may still carry under the pool's max-messages-per-connection
     * (each transaction of a split message counts as one), so a session stays within it and within
     * a server that counts MAIL FROM commands the same way.
     */
    private int perConnectionRoom(SmtpConnection connection) {
        int limit = pool.settings().maxMessagesPerConnection();
        return limit <= 0 ? Integer.MAX_VALUE : (int) Math.max(0, limit - connection.messagesSent());
    }

    /** Takes up to {@code budget} transactions from the queue, none over {@code rcptMax} recipients. */
    private static void take(Deque<Item> queue, List<Item> taken, int budget, int rcptMax,
                             List<OutgoingMessage> messages) {
        while (!queue.isEmpty() && taken.size() < budget) {
            Item item = queue.poll();
            // content that cannot be written twice is sent in one transaction whatever the limit says
            if (item.recipients().length > rcptMax && messages.get(item.message()).content().repeatable()) {
                int[] head = Arrays.copyOfRange(item.recipients(), 0, rcptMax);
                int[] tail = Arrays.copyOfRange(item.recipients(), rcptMax, item.recipients().length);
                queue.addFirst(new Item(item.message(), tail));
                item = new Item(item.message(), head);
            }
            taken.add(item);
        }
    }

    private static OutgoingMessage subMessage(OutgoingMessage message, Item item) {
        if (item.recipients().length == message.envelope().recipients().size()) {
            return message;
        }
        return new OutgoingMessage(subEnvelope(message.envelope(), item.recipients()), message.content());
    }

    private static Envelope subEnvelope(Envelope envelope, int[] indexes) {
        List<String> recipients = new ArrayList<>(indexes.length);
        for (int i : indexes) {
            recipients.add(envelope.recipients().get(i));
        }
        return new Envelope(envelope.mailFrom(), recipients);
    }

    /** The envelope indexes of the recipients refused as too many, when the transaction made progress. */
    private int[] tooMany(Item item, MessageLedger ledger, OutgoingMessage message) {
        if (!options.splitTooManyRecipients() || ledger.acceptedCount() == 0 || !message.content().repeatable()) {
            return new int[0];
        }
        List<RecipientResult> results = ledger.recipients();
        return java.util.stream.IntStream.range(0, results.size())
                .filter(j -> results.get(j).refusedAsTooMany())
                .map(j -> item.recipients()[j]).toArray();
    }

    private static int[] pendingIndexes(MessageLedger ledger) {
        List<RecipientResult> r = ledger.recipients();
        return java.util.stream.IntStream.range(0, r.size()).filter(j -> r.get(j).status() == RecipientStatus.PENDING)
                .toArray();
    }

    private static int[] allIndexes(MessageLedger ledger) {
        int[] all = new int[ledger.recipients().size()];
        Arrays.setAll(all, k -> k);
        return all;
    }

    /** Recipients of a partly sent message that no transaction reached: FAILED, not sent. */
    private static MessageLedger fillPending(Envelope envelope, MessageLedger ledger, SmtpError why) {
        int[] pending = pendingIndexes(ledger);
        SmtpError error = why != null ? why : SmtpError.local(SmtpStep.RCPT_TO, "not sent", null);
        return MessageLedger.assemble(envelope, List.of(allIndexes(ledger), pending),
                List.of(ledger, MessageLedger.notSent(subEnvelope(envelope, pending), error)));
    }

    private static boolean isLocal(MessageLedger l) {
        return l.firstError().map(e -> e.type() == FailureType.LOCAL).orElse(false);
    }

    /** Every recipient failed at MAIL FROM with no reply, or with 421 / 451, and nothing was accepted. */
    static boolean droppedWhileIdle(MessageLedger l) {
        if (l.contentCommitted() || l.acceptedCount() > 0) {
            return false;
        }
        for (RecipientResult r : l.recipients()) {
            if (r.status() != RecipientStatus.FAILED) {
                return false;
            }
            SmtpError e = r.error().orElse(null);
            if (e == null || e.step() != SmtpStep.MAIL_FROM) {
                return false;
            }
            if (e.reply().isPresent() && e.code() != 421 && e.code() != 451) {
                return false;
            }
        }
        return true;
    }
}
