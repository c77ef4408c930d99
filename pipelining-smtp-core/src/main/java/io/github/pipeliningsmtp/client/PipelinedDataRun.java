package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpCommand;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TransactionRunner}'s way with PIPELINING and DATA: cross-message pipelining.
 *
 * <p>With PIPELINING (RFC 2920) every round trip is one flight: the content and end of data of the
 * previous message (or a lone {@code .} when its DATA got 354 but no RCPT TO was accepted), then
 * MAIL FROM, every RCPT TO and DATA of the next, DATA last (§3.1). N messages cost N + 1 round
 * trips.
 *
 * <p>Used by one thread at a time.
 */
final class PipelinedDataRun {

    private final TransactionFlights flights;
    private final RateLimitBudget budget;
    private final TransactionFeed feed;

    PipelinedDataRun(TransactionFlights flights, RateLimitBudget budget, TransactionFeed feed) {
        this.flights = flights;
        this.budget = budget;
        this.feed = feed;
    }

    void run(List<Transaction> transactions, DeliveryPolicy policy) {
        List<Transaction> queue = new ArrayList<>(transactions);
        Transaction open = null;
        for (int k = 0; ; k++) {
            if (k == queue.size()) {
                // the open transaction's content would end the call in a flight of its own: a message
                // that arrived meanwhile rides behind it instead (one round trip per message)
                queue.addAll(feed.more(1));
                if (k == queue.size()) {
                    break;
                }
            }
            Transaction tx = queue.get(k);
            long due = budget.reserve(tx);
            if (due < 0) {
                break;
            }
            if (open != null && due > System.nanoTime()) {
                // the server has answered the open transaction's DATA with 354 and waits for its
                // content: write it now rather than hold the server's transaction open while this one
                // waits for its budget (a relay that caps concurrent transactions counts it)
                Flight content = new Flight();
                flights.completion(content, open);
                if (!flights.execute(content)) {
                    return;
                }
                feed.answered(open);
                open = null;
            }
            if (!budget.awaitBudget(due)) {
                break;
            }
            Flight flight = new Flight();
            if (open != null) {
                flights.completion(flight, open);
            }
            flights.envelope(flight, tx, policy);
            if (!flights.execute(flight)) {
                return;
            }
            if (open != null) {
                feed.answered(open);
            }
            if (!allOrNothingData(tx, policy)) {
                return;
            }
            open = tx;
        }
        if (open != null && open.dataGo()) {
            // the call's last flight: its transaction is known when the call returns (not told early,
            // so that a caller who gets it finds the connection back in the pool)
            Flight last = new Flight();
            flights.completion(last, open);
            flights.execute(last);
        }
    }

    /**
     * All-or-nothing with PIPELINING: DATA was held back from the group; send it alone if every
     * recipient was accepted, otherwise give up on the message (the next flight starts with RSET).
     *
     * @return false if the connection ended
     */
    private boolean allOrNothingData(Transaction tx, DeliveryPolicy policy) {
        if (policy != DeliveryPolicy.ALL_OR_NOTHING) {
            return true;
        }
        if (!tx.inEnvelope() || !tx.allAccepted()) {
            tx.abandon();
            return true;
        }
        return flights.single(SmtpCommand.data(), tx.dataHandler());
    }
}
