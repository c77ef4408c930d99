package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.pacing.SendRateLimit;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TransactionRunner}'s way with CHUNKING and PIPELINING (under partial delivery): BDAT under a
 * sliding window ({@link FlightWindow}), or in flights of the rate limit's burst when one is set.
 *
 * <p>Used by one thread at a time.
 */
final class ChunkedRun {

    private final TransactionFlights flights;
    private final RateLimitBudget budget;
    private final TransactionFeed feed;
    private final ConnectionSettings settings;
    private final SendingOptions options;

    ChunkedRun(TransactionFlights flights, RateLimitBudget budget, TransactionFeed feed, ConnectionSettings settings,
               SendingOptions options) {
        this.flights = flights;
        this.budget = budget;
        this.feed = feed;
        this.settings = settings;
        this.options = options;
    }

    /**
     * CHUNKING with PIPELINING (RFC 3030 §4.2): MAIL FROM, RCPT TO and the BDAT chunks of every
     * message in one flight, RSET between them (after a BDAT exchange the server's state is only
     * known from replies not yet read), written under a sliding window of
     * {@code maxMessagesInFlight} messages ({@link FlightWindow}): the first command of message m
     * is written only once every reply of message m - maxMessagesInFlight was read, so at most
     * {@code maxMessagesInFlight} messages have replies outstanding (what a broken connection may
     * leave UNKNOWN), and the writer goes on writing while the earlier replies come back. A batch
     * costs about N / maxMessagesInFlight round trips, without a stop at the end of each window.
     * Once a flight's replies are read, what the source has goes into the next flight.
     */
    void run(List<Transaction> transactions, boolean probeFirst) {
        boolean firstEnvelopeSent = false;
        if (probeFirst && !transactions.isEmpty()) {
            // a connection that sat idle may have been dropped by the server: its first envelope goes
            // alone, so that EOF, 421 or 451 comes before any content is written and the message
            // can be sent again elsewhere (a stale pooled connection, docs/fault-kinds.md#stale-pooled-connection)
            if (!budget.paced(transactions.get(0))) {
                return;
            }
            Flight probe = new Flight();
            flights.envelopeOnly(probe, transactions.get(0));
            if (!flights.execute(probe)) {
                return;
            }
            firstEnvelopeSent = true;
        }
        if (options.rateLimit() != SendRateLimit.NONE) {
            runPaced(transactions, firstEnvelopeSent);
            return;
        }
        List<Transaction> batch = transactions;
        while (true) {
            // one flight with a sliding window: message m is written once the replies of message
            // m - maxMessagesInFlight are read, so the writer never stops at a window's end (FlightWindow)
            Flight flight = new Flight().window(options.maxMessagesInFlight());
            for (int k = 0; k < batch.size(); k++) {
                Transaction tx = batch.get(k);
                flight.startMessage();
                if (!(k == 0 && firstEnvelopeSent)) {
                    flights.envelopeOnly(flight, tx);
                }
                flight.chunks(tx.content(), options.chunkSize(), tx.beforeTerminator(), settings.commandTimeout(),
                        settings.dataTimeout(), tx.bdatHandler());
            }
            firstEnvelopeSent = false;
            if (!flight.isEmpty() && !flights.execute(flight)) {
                return;
            }
            // what arrived while this flight was out goes in the next one; the last flight's transactions
            // are known when the call returns
            List<Transaction> next = feed.more(Integer.MAX_VALUE);
            if (next.isEmpty()) {
                return;
            }
            batch.forEach(feed::answered);
            batch = next;
        }
    }

    /**
     * CHUNKING under a send rate limit: each transaction takes its budget before its MAIL FROM is
     * written, so messages cannot be laid out in one sliding flight ahead of time; they go in flights
     * of at most {@code min(maxMessagesInFlight, burst)} messages (the budget the limit lets go at
     * once), each written once its budgets are had; when the list is used up, what the source has
     * goes into the next flight.
     */
    private void runPaced(List<Transaction> transactions, boolean firstEnvelopeSent) {
        int window = Math.min(options.maxMessagesInFlight(), options.rateLimit().burst());
        List<Transaction> queue = new ArrayList<>(transactions);
        for (int from = 0; ; ) {
            if (from == queue.size()) {
                queue.addAll(feed.more(window));
                if (from == queue.size()) {
                    return;
                }
            }
            Flight flight = new Flight();
            List<Transaction> group = List.copyOf(queue.subList(from, Math.min(queue.size(), from + window)));
            for (int k = 0; k < group.size(); k++) {
                Transaction tx = group.get(k);
                if (!(from == 0 && k == 0 && firstEnvelopeSent)) {
                    if (!budget.paced(tx)) {
                        break;
                    }
                    flights.envelopeOnly(flight, tx);
                }
                flight.chunks(tx.content(), options.chunkSize(), tx.beforeTerminator(), settings.commandTimeout(),
                        settings.dataTimeout(), tx.bdatHandler());
            }
            if (!flight.isEmpty() && !flights.execute(flight) || budget.error() != null) {
                return;
            }
            from += group.size();
            if (from == queue.size()) {
                queue.addAll(feed.more(window));
                if (from == queue.size()) {
                    return; // the last flight's transactions are known when the call returns
                }
            }
            group.forEach(feed::answered);
        }
    }
}
