package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.time.Duration;
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
        this.policy = policy;
        if (policy == DeliveryPolicy.ALL_OR_NOTHING) {
            transactions.forEach(Transaction::refuseIfPartlyRefusedLocally);
        }
        List<Transaction> sendable = transactions.stream().filter(Transaction::sendable).toList();
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
                : SmtpError.local(SmtpStep.MAIL_FROM, "not sent", null);
        for (Transaction tx : transactions) {
            tx.settle(notSent, endError);
        }
    }

    private void runPipelined(List<Transaction> transactions) {
        Transaction open = null;
        for (Transaction tx : transactions) {
            Flight flight = new Flight();
            if (open != null) {
                completion(flight, open);
            }
            envelope(flight, tx);
            if (!execute(flight) || !allOrNothingData(tx)) {
                return;
            }
            open = tx;
        }
        if (open != null && open.dataGo()) {
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
     */
    private void runChunked(List<Transaction> transactions, boolean probeFirst) {
        boolean firstEnvelopeSent = false;
        if (probeFirst && !transactions.isEmpty()) {
            // a connection that sat idle may have been dropped by the server: its first envelope goes
            // alone, so that EOF, 421 or 451 comes before any content is written and the message
            // can be sent again elsewhere (a stale pooled connection, docs/fault-kinds.md#stale-pooled-connection)
            Flight probe = new Flight();
            envelopeOnly(probe, transactions.get(0));
            if (!execute(probe)) {
                return;
            }
            firstEnvelopeSent = true;
        }
        // one flight with a sliding window: message m is written once the replies of message
        // m - maxMessagesInFlight are read, so the writer never stops at a window's end (FlightWindow)
        Flight flight = new Flight().window(options.maxMessagesInFlight());
        for (int k = 0; k < transactions.size(); k++) {
            Transaction tx = transactions.get(k);
            flight.startMessage();
            if (!(k == 0 && firstEnvelopeSent)) {
                envelopeOnly(flight, tx);
            }
            flight.chunks(tx.content(), options.chunkSize(), tx.beforeTerminator(), settings.commandTimeout(),
                    settings.dataTimeout(), tx.bdatHandler());
        }
        if (!flight.isEmpty()) {
            execute(flight);
        }
    }

    private void runSequential(List<Transaction> transactions) {
        for (Transaction tx : transactions) {
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
