package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.Capabilities;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages of one {@link SmtpConnection#send} in the send's order, each as its transaction or,
 * when preparing it failed inside the client, as its FAILED ledger; grows while the send runs with
 * what its {@link MessageFeed} gives ({@link TransactionSource} for the runner). Used by the sending
 * thread only.
 */
final class SendEntries implements TransactionSource {

    private static final System.Logger LOG = System.getLogger(SmtpConnection.class.getName());

    private final Capabilities capabilities;
    private final MessageFeed feed;
    /** Transactions the session may still start (MAILMAX, RFC 9422 §4.1) when the send began. */
    private final int room;
    private final List<Transaction> transactions = new ArrayList<>();
    /** Per entry: the ledger of a message that could not be prepared, or null for a transaction. */
    private final List<MessageLedger> unprepared = new ArrayList<>();
    private final Map<Transaction, Integer> indexes = new IdentityHashMap<>();

    SendEntries(Capabilities capabilities, MessageFeed feed, int room) {
        this.capabilities = capabilities;
        this.feed = feed;
        this.room = room;
    }

    /**
     * Adds the send's own messages.
     *
     * @throws IllegalArgumentException if an address cannot be written safely; nothing is added after it
     */
    void addAll(List<OutgoingMessage> messages) {
        for (OutgoingMessage m : messages) {
            add(m);
        }
    }

    /** The message's transaction, or null when preparing it failed (its FAILED ledger is kept instead). */
    private Transaction add(OutgoingMessage m) {
        Transaction tx = null;
        MessageLedger failed = null;
        try {
            tx = new Transaction(m, capabilities);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            // e.g. content whose writeTo throws while it is measured for SIZE: only this message fails
            LOG.log(Level.WARNING, "preparing a message failed inside the client: {0}", e.toString());
            failed = MessageLedger.notSent(m.envelope(), SmtpError.local(SmtpStep.MAIL_FROM,
                    "not sent: preparing the message failed inside the client: " + e, e));
        }
        if (tx != null) {
            indexes.put(tx, unprepared.size());
            transactions.add(tx);
        }
        unprepared.add(failed);
        return tx;
    }

    /** The transactions, in order (fed ones included). */
    List<Transaction> transactions() {
        return transactions;
    }

    /** Messages in the send so far. */
    int size() {
        return unprepared.size();
    }

    /** One ledger per message, in the send's order. */
    List<MessageLedger> ledgers() {
        List<MessageLedger> ledgers = new ArrayList<>(unprepared.size());
        int next = 0;
        for (MessageLedger failed : unprepared) {
            ledgers.add(failed != null ? failed : transactions.get(next++).ledger());
        }
        return ledgers;
    }

    @Override
    public List<Transaction> more(int max) {
        int n = Math.min(max, room - size());
        if (n <= 0) {
            return List.of();
        }
        List<OutgoingMessage> got = feed.more(n);
        List<Transaction> added = new ArrayList<>(got.size());
        for (OutgoingMessage m : got.subList(0, Math.min(n, got.size()))) {
            try {
                Transaction tx = add(m);
                if (tx != null) {
                    added.add(tx);
                }
            } catch (IllegalArgumentException e) {
                // the feed should have checked: nothing of this message is written, and only it fails
                unprepared.add(MessageLedger.notSent(m.envelope(), SmtpError.local(SmtpStep.MAIL_FROM,
                        "not sent: " + e.getMessage(), e)));
            }
        }
        return added;
    }

    @Override
    public void answered(Transaction tx) {
        Integer index = indexes.get(tx);
        if (index != null) {
            feed.answered(index, tx.ledger());
        }
    }
}
