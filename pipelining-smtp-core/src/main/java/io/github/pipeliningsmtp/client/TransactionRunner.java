package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.pacing.RateLimitWaitException;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends a list of transactions on one connection.
 *
 * <p>With PIPELINING (RFC 2920) every round trip is one flight: the content and end of data of the
 * previous message (or a lone {@code .} when its DATA got 354 but no RCPT TO was accepted), then
 * MAIL FROM, every RCPT TO and DATA of the next, DATA last (§3.1). N messages cost N + 1 round
 * trips. Without PIPELINING every command waits for its reply, and DATA is not sent when no
 * recipient was accepted.
 *
 * <p>The reset rule (RFC 5321 §4.1.1.5): RSET goes before a MAIL FROM when the previous
 * transaction on the connection may have left the server holding one: it was refused at MAIL FROM,
 * at every RCPT TO, at DATA, BDAT or the end of data, it lost step or was cut off, or it is a BDAT
 * message of the same window whose replies are not yet read. Not after a content that got a 2yz,
 * nor after a DATA end of data written in the same flight (its reply, whatever it is, ends the
 * transaction, §4.1.1.4; see {@link Transaction#needsReset()}). The RSET rides in the flight of the
 * next envelope, so it never costs a round trip of its own; it holds across flights, BDAT windows
 * and batches, since the runner lives as long as the connection. An RSET that does not get 2yz
 * puts the connection out of step.
 *
 * <p>Pacing: before a transaction's MAIL FROM goes into a flight, the transaction takes its budget
 * from the send rate limit ({@link SendingOptions#rateLimit()}: one message, its RCPT TO count),
 * waiting for it if need be, so the pace is kept per transaction, not per batch. With DATA, the
 * wait never holds a server's transaction open: when the next budget is not there yet, the open
 * transaction's content (whose DATA already got 354) is written and its reply read first, in a flight
 * of its own, then the next envelope goes after the wait. With CHUNKING, a rate limit replaces the
 * sliding window by flights of no more messages than the limit lets go at once
 * ({@link SendRateLimit#burst()}), each written once its budgets are had. When the budget
 * cannot be had within the limit's wait (or the thread is interrupted while waiting), nothing more is
 * started on this call: what was written is completed, and the transactions not started are FAILED
 * (TRANSIENT, not sent) with the reason; the connection stays usable.
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
 * <p>Used by one thread at a time; holds the state that outlives one call: the last transaction
 * written since the server was last known to be reset, and how the connection ended.
 */
final class TransactionRunner {

    private final CommandPipeline pipeline;
    private final ConnectionSettings settings;
    private final SendingOptions options;
    /** The last transaction whose MAIL FROM was written, null while the server is known to hold none. */
    private Transaction unreset;
    /** How the connection ended; null while it is usable. */
    private FlightOutcome end;
    private DeliveryPolicy policy = DeliveryPolicy.PARTIAL;
    /** Why the rest of this call's transactions were not started (the rate limit), or null. */
    private SmtpError paceError;
    /** Where this call gets more transactions. */
    private TransactionSource source = TransactionSource.NONE;
    /** The transactions {@link #source} gave during this call, settled with the call's own. */
    private final List<Transaction> fed = new ArrayList<>();

    TransactionRunner(CommandPipeline pipeline, ConnectionSettings settings, SendingOptions options) {
        this.pipeline = pipeline;
        this.settings = settings;
        this.options = options;
    }

    boolean usable() {
        return end == null;
    }

    /** How the connection ended, or null while it is usable. */
    FlightOutcome end() {
        return end;
    }

    /** Sends the transactions, pipelined or not; every recipient ends SUCCEEDED, FAILED or UNKNOWN. */
    void run(List<Transaction> transactions, boolean pipelining, boolean chunking, DeliveryPolicy policy,
             boolean probeFirst) {
        run(transactions, pipelining, chunking, policy, probeFirst, TransactionSource.NONE);
    }

    /**
     * As above, taking more transactions from {@code source} while the run is in progress (with
     * PIPELINING; see the class comment); every one it gave ends SUCCEEDED, FAILED or UNKNOWN too.
     */
    void run(List<Transaction> transactions, boolean pipelining, boolean chunking, DeliveryPolicy policy,
             boolean probeFirst, TransactionSource source) {
        this.policy = policy;
        this.paceError = null;
        this.source = source;
        fed.clear();
        try {
            runAndSettle(transactions, pipelining, chunking, policy, probeFirst);
        } finally {
            this.source = TransactionSource.NONE;
            fed.clear();
        }
    }

    private void runAndSettle(List<Transaction> transactions, boolean pipelining, boolean chunking,
                              DeliveryPolicy policy, boolean probeFirst) {
        List<Transaction> sendable = sendable(transactions);
        if (end == null) {
            if (pipelining && chunking && policy == DeliveryPolicy.PARTIAL) {
                runChunked(sendable, probeFirst);
            } else if (pipelining) {
                runPipelined(sendable);
            } else {
                runSequential(sendable);
            }
        }
        SmtpError endError = end != null ? end.error() : null;
        SmtpError notSent = endError != null ? SmtpError.notAnswered(SmtpStep.MAIL_FROM, null, endError)
                : paceError != null ? paceError : SmtpError.local(SmtpStep.MAIL_FROM, "not sent", null);
        for (Transaction tx : transactions) {
            tx.settle(notSent, endError);
        }
        for (Transaction tx : fed) {
            tx.settle(notSent, endError);
        }
    }

    /** The transactions that may be written (all-or-nothing refuses a partly refused one first). */
    private List<Transaction> sendable(List<Transaction> transactions) {
        if (policy == DeliveryPolicy.ALL_OR_NOTHING) {
            transactions.forEach(Transaction::refuseIfPartlyRefusedLocally);
        }
        return transactions.stream().filter(Transaction::sendable).toList();
    }

    /**
     * Up to {@code max} more sendable transactions from the source, while the connection is usable
     * and the rate limit has not ended the call; empty when the source has none now.
     */
    private List<Transaction> more(int max) {
        while (end == null && paceError == null) {
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
    private void answered(Transaction tx) {
        TransactionPhase phase = tx.phase();
        if ((phase == TransactionPhase.DELIVERED || phase == TransactionPhase.CONTENT_REFUSED)
                && tx.ledger().count(RecipientStatus.PENDING) + tx.ledger().count(RecipientStatus.ACCEPTED) == 0) {
            source.answered(tx);
        }
    }

    private void runPipelined(List<Transaction> transactions) {
        List<Transaction> queue = new ArrayList<>(transactions);
        Transaction open = null;
        for (int k = 0; ; k++) {
            if (k == queue.size()) {
                // the open transaction's content would end the call in a flight of its own: a message
                // that arrived meanwhile rides behind it instead (one round trip per message)
                queue.addAll(more(1));
                if (k == queue.size()) {
                    break;
                }
            }
            Transaction tx = queue.get(k);
            long due = reserve(tx);
            if (due < 0) {
                break;
            }
            if (open != null && due > System.nanoTime()) {
                // the server has answered the open transaction's DATA with 354 and waits for its
                // content: write it now rather than hold the server's transaction open while this one
                // waits for its budget (a relay that caps concurrent transactions counts it)
                Flight content = new Flight();
                completion(content, open);
                if (!execute(content)) {
                    return;
                }
                answered(open);
                open = null;
            }
            if (!awaitBudget(due)) {
                break;
            }
            Flight flight = new Flight();
            if (open != null) {
                completion(flight, open);
            }
            envelope(flight, tx);
            if (!execute(flight)) {
                return;
            }
            if (open != null) {
                answered(open);
            }
            if (!allOrNothingData(tx)) {
                return;
            }
            open = tx;
        }
        if (open != null && open.dataGo()) {
            // the call's last flight: its transaction is known when the call returns (not told early,
            // so that a caller who gets it finds the connection back in the pool)
            Flight last = new Flight();
            completion(last, open);
            execute(last);
        }
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
    private void runChunked(List<Transaction> transactions, boolean probeFirst) {
        boolean firstEnvelopeSent = false;
        if (probeFirst && !transactions.isEmpty()) {
            // a connection that sat idle may have been dropped by the server: its first envelope goes
            // alone, so that EOF, 421 or 451 comes before any content is written and the message
            // can be sent again elsewhere (a stale pooled connection, docs/fault-kinds.md#stale-pooled-connection)
            if (!paced(transactions.get(0))) {
                return;
            }
            Flight probe = new Flight();
            envelopeOnly(probe, transactions.get(0));
            if (!execute(probe)) {
                return;
            }
            firstEnvelopeSent = true;
        }
        if (options.rateLimit() != SendRateLimit.NONE) {
            runChunkedPaced(transactions, firstEnvelopeSent);
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
                    envelopeOnly(flight, tx);
                }
                flight.chunks(tx.content(), options.chunkSize(), tx.beforeTerminator(), settings.commandTimeout(),
                        settings.dataTimeout(), tx.bdatHandler());
            }
            firstEnvelopeSent = false;
            if (!flight.isEmpty() && !execute(flight)) {
                return;
            }
            // what arrived while this flight was out goes in the next one; the last flight's transactions
            // are known when the call returns
            List<Transaction> next = more(Integer.MAX_VALUE);
            if (next.isEmpty()) {
                return;
            }
            batch.forEach(this::answered);
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
    private void runChunkedPaced(List<Transaction> transactions, boolean firstEnvelopeSent) {
        int window = Math.min(options.maxMessagesInFlight(), options.rateLimit().burst());
        List<Transaction> queue = new ArrayList<>(transactions);
        for (int from = 0; ; ) {
            if (from == queue.size()) {
                queue.addAll(more(window));
                if (from == queue.size()) {
                    return;
                }
            }
            Flight flight = new Flight();
            List<Transaction> group = List.copyOf(queue.subList(from, Math.min(queue.size(), from + window)));
            for (int k = 0; k < group.size(); k++) {
                Transaction tx = group.get(k);
                if (!(from == 0 && k == 0 && firstEnvelopeSent)) {
                    if (!paced(tx)) {
                        break;
                    }
                    envelopeOnly(flight, tx);
                }
                flight.chunks(tx.content(), options.chunkSize(), tx.beforeTerminator(), settings.commandTimeout(),
                        settings.dataTimeout(), tx.bdatHandler());
            }
            if (!flight.isEmpty() && !execute(flight) || paceError != null) {
                return;
            }
            from += group.size();
            if (from == queue.size()) {
                queue.addAll(more(window));
                if (from == queue.size()) {
                    return; // the last flight's transactions are known when the call returns
                }
            }
            group.forEach(this::answered);
        }
    }

    private void runSequential(List<Transaction> transactions) {
        for (Transaction tx : transactions) {
            if (!paced(tx)) {
                return;
            }
            if (resetDue()) {
                // one command at a time: the RSET goes alone
                if (!single(SmtpCommand.rset(), resetHandler())) {
                    return;
                }
                unreset = null;
            }
            Flight mail = new Flight();
            mailFrom(mail, tx);
            if (!execute(mail)) {
                return;
            }
            if (!tx.inEnvelope()) {
                continue;
            }
            List<SmtpCommand> rcpts = tx.rcptToCommands();
            for (int i = 0; i < rcpts.size(); i++) {
                if (rcpts.get(i) != null && !single(rcpts.get(i), tx.rcptHandler(i))) {
                    return;
                }
            }
            if (!tx.anyAccepted()) {
                continue;
            }
            if (policy == DeliveryPolicy.ALL_OR_NOTHING && !tx.allAccepted()) {
                tx.abandon();
                continue;
            }
            if (!single(SmtpCommand.data(), tx.dataHandler())) {
                return;
            }
            if (!tx.dataGo()) {
                continue;
            }
            Flight content = new Flight();
            completion(content, tx);
            if (!execute(content)) {
                return;
            }
        }
    }

    /**
     * Takes the transaction's budget from the rate limit, waiting for it (see the class comment).
     *
     * @return false when it could not be had: nothing more is started on this call
     */
    private boolean paced(Transaction tx) {
        long due = reserve(tx);
        return due >= 0 && awaitBudget(due);
    }

    /**
     * Reserves the transaction's budget without waiting for it.
     *
     * @return when it is due ({@link System#nanoTime()} scale), or -1 when it could not be had
     *         ({@code paceError} says why): nothing more is started on this call
     */
    private long reserve(Transaction tx) {
        if (paceError != null) {
            return -1;
        }
        try {
            long now = System.nanoTime();
            return now + options.rateLimit().reserve(1, tx.ledger().envelope().recipients().size()).toNanos();
        } catch (RateLimitWaitException e) {
            paceError = SmtpError.ofConnection(SmtpStep.MAIL_FROM, null, e);
        } catch (InterruptedException e) {
            interruptedWhilePaced();
        }
        return -1;
    }

    /** Waits until the reserved budget is due; false when interrupted ({@code paceError} says so). */
    private boolean awaitBudget(long due) {
        try {
            options.rateLimit().await(Duration.ofNanos(due - System.nanoTime()));
            return true;
        } catch (InterruptedException e) {
            interruptedWhilePaced();
            return false;
        }
    }

    private void interruptedWhilePaced() {
        Thread.currentThread().interrupt();
        paceError = SmtpError.ofConnection(SmtpStep.MAIL_FROM, null, new java.io.InterruptedIOException(
                "not sent: the sending thread was interrupted while it waited for the send rate limit"));
    }

    /** Whether the reset rule calls for RSET before the next MAIL FROM. */
    private boolean resetDue() {
        return unreset != null && unreset.needsReset();
    }

    /** RSET (when the reset rule calls for it) and MAIL FROM of {@code tx}. */
    private void mailFrom(Flight flight, Transaction tx) {
        if (resetDue()) {
            flight.command(SmtpCommand.rset(), settings.commandTimeout(), resetHandler());
        }
        unreset = tx;
        flight.command(tx.mailFromCommand(), settings.commandTimeout(), tx.mailHandler(), tx::markStarted);
    }

    /** What ends the previous transaction after its 354: its content, or a lone dot when no RCPT TO was accepted. */
    private void completion(Flight flight, Transaction tx) {
        if (!tx.dataGo()) {
            return;
        }
        if (tx.anyAccepted()) {
            flight.content(tx.content(), tx.beforeTerminator(), settings.dataTimeout(), tx.endOfDataHandler());
        } else {
            flight.content(out -> { }, () -> { }, settings.commandTimeout(), tx.loneDotHandler());
        }
    }

    /**
     * All-or-nothing with PIPELINING: DATA was held back from the group; send it alone if every
     * recipient was accepted, otherwise give up on the message (the next flight starts with RSET).
     *
     * @return false if the connection ended
     */
    private boolean allOrNothingData(Transaction tx) {
        if (policy != DeliveryPolicy.ALL_OR_NOTHING) {
            return true;
        }
        if (!tx.inEnvelope() || !tx.allAccepted()) {
            tx.abandon();
            return true;
        }
        return single(SmtpCommand.data(), tx.dataHandler());
    }

    /** MAIL FROM, every RCPT TO and (with partial delivery) DATA of a transaction, DATA last. */
    private void envelope(Flight flight, Transaction tx) {
        envelopeOnly(flight, tx);
        if (policy == DeliveryPolicy.PARTIAL) {
            flight.command(SmtpCommand.data(), settings.commandTimeout(), tx.dataHandler());
        }
    }

    /** MAIL FROM (after RSET when needed) and every RCPT TO of a transaction (no DATA). */
    private void envelopeOnly(Flight flight, Transaction tx) {
        mailFrom(flight, tx);
        List<SmtpCommand> rcpts = tx.rcptToCommands();
        for (int i = 0; i < rcpts.size(); i++) {
            if (rcpts.get(i) != null) {
                // null: refused locally (a length limit, or no ASCII form), not written
                flight.command(rcpts.get(i), settings.commandTimeout(), tx.rcptHandler(i));
            }
        }
    }

    private boolean single(SmtpCommand command, ReplyHandler handler) {
        return execute(new Flight().command(command, settings.commandTimeout(), handler));
    }

    private boolean execute(Flight flight) {
        FlightOutcome outcome = pipeline.execute(flight);
        if (!outcome.completed()) {
            end = outcome;
        }
        return end == null;
    }

    private ReplyHandler resetHandler() {
        return new ReplyHandler() {
            @Override
            public SmtpError onReply(SmtpReply reply) {
                if (reply.isPositiveCompletion()) {
                    return null;
                }
                // a server that cannot reset is in a state the client does not know
                return SmtpError.outOfStep(SmtpStep.RSET, null, reply, "RSET answered " + reply
                        + ": the server's transaction state is unknown; the connection is retired");
            }

            @Override
            public void onNoReply(SmtpError error) {
                // the connection's end is reported by the steps after it
            }
        };
    }
}
