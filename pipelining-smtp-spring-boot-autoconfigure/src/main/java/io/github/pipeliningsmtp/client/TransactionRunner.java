package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.util.List;

/**
 * Sends a list of transactions on one connection.
 *
 * <p>With PIPELINING (RFC 2920) every round trip is one flight: the content and end of data of the
 * previous message (or a lone {@code .} when its DATA got 354 but no RCPT TO was accepted, or RSET
 * when it failed before DATA), then MAIL FROM, every RCPT TO and DATA of the next, DATA last
 * (§3.1). N messages cost N + 1 round trips. Without PIPELINING every command waits for its reply,
 * and DATA is not sent when no recipient was accepted.
 *
 * <p>Used by one thread at a time; holds the state that outlives one call: whether the last
 * transaction left the server needing RSET, and whether the connection is still usable.
 */
final class TransactionRunner {

    private final CommandPipeline pipeline;
    private final ConnectionSettings settings;
    private boolean needsReset;
    private boolean usable = true;
    private SmtpError endError;
    private DeliveryPolicy policy = DeliveryPolicy.PARTIAL;

    TransactionRunner(CommandPipeline pipeline, ConnectionSettings settings) {
        this.pipeline = pipeline;
        this.settings = settings;
    }

    boolean usable() {
        return usable;
    }

    /** Sends the transactions, pipelined or not; every recipient ends SUCCEEDED, FAILED or UNKNOWN. */
    void run(List<Transaction> transactions, boolean pipelining, boolean chunking, DeliveryPolicy policy,
             boolean probeFirst) {
        this.policy = policy;
        List<Transaction> sendable = transactions.stream().filter(Transaction::sendable).toList();
        if (pipelining && chunking && policy == DeliveryPolicy.PARTIAL) {
            runChunked(sendable, probeFirst);
        } else if (pipelining) {
            runPipelined(sendable);
        } else {
            runSequential(sendable);
        }
        SmtpError notSent = endError != null ? SmtpError.notAnswered("MAIL FROM", endError)
                : SmtpError.local("MAIL FROM", "not sent", null);
        for (Transaction tx : transactions) {
            // a transaction cut short by the server's own reply (a 421) reports that reply
            boolean byReply = endError != null && endError.reply().isPresent() && tx.ledger().started();
            tx.settle(byReply ? endError : notSent);
        }
    }

    private void runPipelined(List<Transaction> transactions) {
        Transaction previous = null;
        for (Transaction tx : transactions) {
            Flight flight = new Flight();
            if (previous != null) {
                completion(flight, previous);
            } else if (needsReset) {
                flight.command(SmtpCommand.rset(), settings.commandTimeout(), resetHandler());
            }
            envelope(flight, tx);
            if (!execute(flight) || !allOrNothingData(tx)) {
                return;
            }
            previous = tx;
        }
        if (previous != null) {
            if (previous.dataGo()) {
                Flight last = new Flight();
                completion(last, previous);
                if (!execute(last)) {
                    return;
                }
            }
            needsReset = previous.needsReset();
        }
    }

    /**
     * CHUNKING with PIPELINING (RFC 3030 §4.2): MAIL FROM, RCPT TO and the BDAT chunks of up to
     * {@code maxMessagesInFlight} messages in one flight, RSET between them (after a BDAT exchange
     * the server's state is only known from replies not yet read), so a batch costs about
     * N / maxMessagesInFlight round trips.
     */
    private void runChunked(List<Transaction> transactions, boolean probeFirst) {
        boolean firstEnvelopeSent = false;
        if (probeFirst && !transactions.isEmpty()) {
            // a connection that sat idle may have been dropped by the server: its first envelope goes
            // alone, so that EOF, 421 or 451 comes before any content is written and the message
            // can be sent again elsewhere (case C08)
            Flight probe = new Flight();
            if (needsReset) {
                probe.command(SmtpCommand.rset(), settings.commandTimeout(), resetHandler());
                needsReset = false;
            }
            envelopeOnly(probe, transactions.get(0));
            if (!execute(probe)) {
                return;
            }
            firstEnvelopeSent = true;
        }
        int window = settings.maxMessagesInFlight();
        for (int from = 0; from < transactions.size(); from += window) {
            Flight flight = new Flight();
            List<Transaction> group = transactions.subList(from, Math.min(transactions.size(), from + window));
            for (int k = 0; k < group.size(); k++) {
                Transaction tx = group.get(k);
                if (!(from == 0 && k == 0 && firstEnvelopeSent)) {
                    if (k > 0 || needsReset) {
                        flight.command(SmtpCommand.rset(), settings.commandTimeout(), resetHandler());
                    }
                    envelopeOnly(flight, tx);
                }
                flight.chunks(tx.content(), settings.chunkSize(), tx.beforeTerminator(), settings.commandTimeout(),
                        settings.dataTimeout(), tx.bdatHandler());
            }
            if (!execute(flight)) {
                return;
            }
            needsReset = group.get(group.size() - 1).needsReset();
        }
    }

    /** MAIL FROM and every RCPT TO of a transaction (no DATA). */
    private void envelopeOnly(Flight flight, Transaction tx) {
        flight.command(tx.mailFromCommand(), settings.commandTimeout(), tx.mailHandler(), tx::markStarted);
        List<SmtpCommand> rcpts = tx.rcptToCommands();
        for (int i = 0; i < rcpts.size(); i++) {
            flight.command(rcpts.get(i), settings.commandTimeout(), tx.rcptHandler(i));
        }
    }

    private void runSequential(List<Transaction> transactions) {
        for (Transaction tx : transactions) {
            if (needsReset && !single(SmtpCommand.rset(), settings.commandTimeout(), resetHandler())) {
                return;
            }
            needsReset = true;
            if (!execute(new Flight().command(tx.mailFromCommand(), settings.commandTimeout(), tx.mailHandler(),
                    tx::markStarted))) {
                return;
            }
            if (!tx.mailAccepted()) {
                continue;
            }
            List<SmtpCommand> rcpts = tx.rcptToCommands();
            for (int i = 0; i < rcpts.size(); i++) {
                if (!single(rcpts.get(i), settings.commandTimeout(), tx.rcptHandler(i))) {
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
            if (!single(SmtpCommand.data(), settings.commandTimeout(), tx.dataHandler()) || !tx.dataGo()) {
                if (!usable) {
                    return;
                }
                continue;
            }
            Flight content = new Flight();
            completion(content, tx);
            if (!execute(content)) {
                return;
            }
            needsReset = tx.needsReset();
        }
    }

    /** What ends the previous transaction: its content (or a lone dot), or RSET when DATA got no 354. */
    private void completion(Flight flight, Transaction tx) {
        if (!tx.dataGo()) {
            flight.command(SmtpCommand.rset(), settings.commandTimeout(), resetHandler());
        } else if (tx.anyAccepted()) {
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
        if (!tx.mailAccepted() || !tx.allAccepted()) {
            tx.abandon();
            return true;
        }
        return single(SmtpCommand.data(), settings.commandTimeout(), tx.dataHandler());
    }

    private void envelope(Flight flight, Transaction tx) {
        flight.command(tx.mailFromCommand(), settings.commandTimeout(), tx.mailHandler(), tx::markStarted);
        List<SmtpCommand> rcpts = tx.rcptToCommands();
        for (int i = 0; i < rcpts.size(); i++) {
            flight.command(rcpts.get(i), settings.commandTimeout(), tx.rcptHandler(i));
        }
        if (policy == DeliveryPolicy.PARTIAL) {
            flight.command(SmtpCommand.data(), settings.commandTimeout(), tx.dataHandler());
        }
    }

    private boolean single(SmtpCommand command, java.time.Duration timeout, ReplyHandler handler) {
        return execute(new Flight().command(command, timeout, handler));
    }

    private boolean execute(Flight flight) {
        if (!pipeline.execute(flight)) {
            usable = false;
            endError = pipeline.endError();
        }
        return usable;
    }

    private ReplyHandler resetHandler() {
        return new ReplyHandler() {
            @Override
            public void onReply(SmtpReply reply) {
                if (!reply.isPositiveCompletion()) {
                    // a server that cannot reset is in an unknown state: retire the connection after this batch
                    usable = false;
                }
            }

            @Override
            public void onNoReply(SmtpError error) {
                usable = false;
            }
        };
    }
}
