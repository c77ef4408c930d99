package io.github.pipeliningsmtp.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The transactions one call of {@link TransactionRunner} may write: which of those it was given are
 * sendable, and the ones its {@link TransactionSource} gives while it runs.
 *
 * <p>Fed runs ({@link TransactionSource}): a run may take more transactions while it is in progress,
 * so that messages that arrive meanwhile ride in this connection's next flight. With DATA, when the
 * list is used up the runner asks the source for one more right before it writes the flight that
 * carries the open transaction's content, and puts that transaction's MAIL FROM, RCPT TO and DATA
 * behind the content (the flight it would otherwise write with the content alone), so that a
 * connection that keeps being fed costs one round trip per message. With BDAT, what the source has
 * when a flight is due goes into that flight. Fed transactions follow every rule above (reset, pacing,
 * settling) as the call's own do, and the source is told as soon as each transaction's content was
 * answered, so that its caller need not wait for the run to end.
 *
 * <p>Used by one thread at a time.
 */
final class TransactionFeed {

    private final TransactionFlights flights;
    private final RateLimitBudget budget;
    private DeliveryPolicy policy = DeliveryPolicy.PARTIAL;
    /** Where this call gets more transactions. */
    private TransactionSource source = TransactionSource.NONE;
    /** The transactions {@link #source} gave during this call, settled with the call's own. */
    private final List<Transaction> fed = new ArrayList<>();

    TransactionFeed(TransactionFlights flights, RateLimitBudget budget) {
        this.flights = flights;
        this.budget = budget;
    }

    /** A call starts: it sends under {@code policy} and takes more from {@code source}. */
    void startCall(DeliveryPolicy policy, TransactionSource source) {
        this.policy = policy;
        this.source = source;
        fed.clear();
    }

    /** The call ended: the source is let go. */
    void endCall() {
        this.source = TransactionSource.NONE;
        fed.clear();
    }

    /** The transactions the source gave during this call. */
    List<Transaction> fed() {
        return Collections.unmodifiableList(fed);
    }

    /** The transactions that may be written (all-or-nothing refuses a partly refused one first). */
    List<Transaction> sendable(List<Transaction> transactions) {
        if (policy == DeliveryPolicy.ALL_OR_NOTHING) {
            transactions.forEach(Transaction::refuseIfPartlyRefusedLocally);
        }
        return transactions.stream().filter(Transaction::sendable).toList();
    }

    /**
     * Up to {@code max} more sendable transactions from the source, while the connection is usable
     * and the rate limit has not ended the call; empty when the source has none now.
     */
    List<Transaction> more(int max) {
        while (flights.usable() && budget.error() == null) {
            List<Transaction> got = source.more(max);
            if (got.isEmpty()) {
                return List.of();
            }
            fed.addAll(got);
            List<Transaction> sendable = sendable(got);
            if (!sendable.isEmpty()) {
                return sendable;
            }
        }
        return List.of();
    }

    /**
     * Tells the source that {@code tx} is over, when its content was answered and its ledger is final;
     * only while the call goes on (the last flight's transactions are known when it returns).
     */
    void answered(Transaction tx) {
        TransactionPhase phase = tx.phase();
        if ((phase == TransactionPhase.DELIVERED || phase == TransactionPhase.CONTENT_REFUSED)
                && tx.ledger().count(RecipientStatus.PENDING) + tx.ledger().count(RecipientStatus.ACCEPTED) == 0) {
            source.answered(tx);
        }
    }
}
