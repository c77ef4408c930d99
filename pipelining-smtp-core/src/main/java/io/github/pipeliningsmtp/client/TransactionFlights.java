package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.util.List;

/**
 * Puts the commands of {@link TransactionRunner}'s transactions into flights and executes them on the
 * connection's {@link CommandPipeline}, for every way the runner sends.
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
final class TransactionFlights {

    private final CommandPipeline pipeline;
    private final ConnectionSettings settings;
    /** The last transaction whose MAIL FROM was written, null while the server is known to hold none. */
    private Transaction unreset;
    /** How the connection ended; null while it is usable. */
    private FlightOutcome end;

    TransactionFlights(CommandPipeline pipeline, ConnectionSettings settings) {
        this.pipeline = pipeline;
        this.settings = settings;
    }

    boolean usable() {
        return end == null;
    }

    /** How the connection ended, or null while it is usable. */
    FlightOutcome end() {
        return end;
    }

    /** Whether the reset rule calls for RSET before the next MAIL FROM. */
    private boolean resetDue() {
        return unreset != null && unreset.needsReset();
    }

    /**
     * Without PIPELINING: RSET in a flight of its own, when the reset rule calls for it.
     *
     * @return false if the connection ended
     */
    boolean resetAloneIfDue() {
        if (resetDue()) {
            // one command at a time: the RSET goes alone
            if (!single(SmtpCommand.rset(), resetHandler())) {
                return false;
            }
            unreset = null;
        }
        return true;
    }

    /** RSET (when the reset rule calls for it) and MAIL FROM of {@code tx}. */
    void mailFrom(Flight flight, Transaction tx) {
        if (resetDue()) {
            flight.command(SmtpCommand.rset(), settings.commandTimeout(), resetHandler());
        }
        unreset = tx;
        flight.command(tx.mailFromCommand(), settings.commandTimeout(), tx.mailHandler(), tx::markStarted);
    }

    /** What ends the previous transaction after its 354: its content, or a lone dot when no RCPT TO was accepted. */
    void completion(Flight flight, Transaction tx) {
        if (!tx.dataGo()) {
            return;
        }
        if (tx.anyAccepted()) {
            flight.content(tx.content(), tx.beforeTerminator(), settings.dataTimeout(), tx.endOfDataHandler());
        } else {
            flight.content(out -> { }, () -> { }, settings.commandTimeout(), tx.loneDotHandler());
        }
    }

    /** MAIL FROM, every RCPT TO and (with partial delivery) DATA of a transaction, DATA last. */
    void envelope(Flight flight, Transaction tx, DeliveryPolicy policy) {
        envelopeOnly(flight, tx);
        if (policy == DeliveryPolicy.PARTIAL) {
            flight.command(SmtpCommand.data(), settings.commandTimeout(), tx.dataHandler());
        }
    }

    /** MAIL FROM (after RSET when needed) and every RCPT TO of a transaction (no DATA). */
    void envelopeOnly(Flight flight, Transaction tx) {
        mailFrom(flight, tx);
        List<SmtpCommand> rcpts = tx.rcptToCommands();
        for (int i = 0; i < rcpts.size(); i++) {
            if (rcpts.get(i) != null) {
                // null: refused locally (a length limit, or no ASCII form), not written
                flight.command(rcpts.get(i), settings.commandTimeout(), tx.rcptHandler(i));
            }
        }
    }

    /** Executes one command in a flight of its own; false if the connection ended. */
    boolean single(SmtpCommand command, ReplyHandler handler) {
        return execute(new Flight().command(command, settings.commandTimeout(), handler));
    }

    /** Executes the flight; false if the connection ended (then {@link #end()} says how). */
    boolean execute(Flight flight) {
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
