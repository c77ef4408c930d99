package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.util.List;

/**
 * Sends a list of transactions on one connection, the way the connection allows: with PIPELINING,
 * one flight per round trip with DATA ({@link PipelinedDataRun}) or, with CHUNKING under partial
 * delivery, BDAT under a sliding window ({@link ChunkedRun}); without PIPELINING, one command at a
 * time ({@link SequentialRun}). Every way keeps the reset rule ({@link TransactionFlights}), takes
 * each transaction's budget from the send rate limit before its MAIL FROM ({@link RateLimitBudget}),
 * and takes more transactions from a {@link TransactionSource} while it runs ({@link TransactionFeed});
 * when the call ends, every transaction it was given or fed ends SUCCEEDED, FAILED or UNKNOWN.
 *
 * <p>Used by one thread at a time; the state that outlives one call (the last transaction written
 * since the server was last known to be reset, and how the connection ended) is kept by its
 * {@link TransactionFlights}.
 */
final class TransactionRunner {

    private final TransactionFlights flights;
    private final RateLimitBudget budget;
    private final TransactionFeed feed;
    private final PipelinedDataRun pipelined;
    private final ChunkedRun chunked;
    private final SequentialRun sequential;

    TransactionRunner(CommandPipeline pipeline, ConnectionSettings settings, SendingOptions options) {
        this.flights = new TransactionFlights(pipeline, settings);
        this.budget = new RateLimitBudget(options);
        this.feed = new TransactionFeed(flights, budget);
        this.pipelined = new PipelinedDataRun(flights, budget, feed);
        this.chunked = new ChunkedRun(flights, budget, feed, settings, options);
        this.sequential = new SequentialRun(flights, budget);
    }

    boolean usable() {
        return flights.usable();
    }

    /** How the connection ended, or null while it is usable. */
    FlightOutcome end() {
        return flights.end();
    }

    /** Sends the transactions, pipelined or not; every recipient ends SUCCEEDED, FAILED or UNKNOWN. */
    void run(List<Transaction> transactions, boolean pipelining, boolean chunking, DeliveryPolicy policy,
             boolean probeFirst) {
        run(transactions, pipelining, chunking, policy, probeFirst, TransactionSource.NONE);
    }

    /**
     * As above, taking more transactions from {@code source} while the run is in progress (with
     * PIPELINING; see {@link TransactionFeed}); every one it gave ends SUCCEEDED, FAILED or UNKNOWN too.
     */
    void run(List<Transaction> transactions, boolean pipelining, boolean chunking, DeliveryPolicy policy,
             boolean probeFirst, TransactionSource source) {
        budget.startCall();
        feed.startCall(policy, source);
        try {
            runAndSettle(transactions, pipelining, chunking, policy, probeFirst);
        } finally {
            feed.endCall();
        }
    }

    private void runAndSettle(List<Transaction> transactions, boolean pipelining, boolean chunking,
                              DeliveryPolicy policy, boolean probeFirst) {
        List<Transaction> sendable = feed.sendable(transactions);
        if (flights.usable()) {
            if (pipelining && chunking && policy == DeliveryPolicy.PARTIAL) {
                chunked.run(sendable, probeFirst);
            } else if (pipelining) {
                pipelined.run(sendable, policy);
            } else {
                sequential.run(sendable, policy);
            }
        }
        FlightOutcome end = flights.end();
        SmtpError endError = end != null ? end.error() : null;
        SmtpError paceError = budget.error();
        SmtpError notSent = endError != null ? SmtpError.notAnswered(SmtpStep.MAIL_FROM, null, endError)
                : paceError != null ? paceError : SmtpError.local(SmtpStep.MAIL_FROM, "not sent", null);
        for (Transaction tx : transactions) {
            tx.settle(notSent, endError);
        }
        for (Transaction tx : feed.fed()) {
            tx.settle(notSent, endError);
        }
    }
}
