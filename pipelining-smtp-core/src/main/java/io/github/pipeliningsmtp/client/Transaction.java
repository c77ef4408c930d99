package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.client.TransactionPhase.ABANDONED;
import static io.github.pipeliningsmtp.client.TransactionPhase.CONTENT_REFUSED;
import static io.github.pipeliningsmtp.client.TransactionPhase.CUT_OFF;
import static io.github.pipeliningsmtp.client.TransactionPhase.DATA_REFUSED;
import static io.github.pipeliningsmtp.client.TransactionPhase.DELIVERED;
import static io.github.pipeliningsmtp.client.TransactionPhase.EMPTY_ENDED;
import static io.github.pipeliningsmtp.client.TransactionPhase.ENVELOPE;
import static io.github.pipeliningsmtp.client.TransactionPhase.MAIL_REFUSED;
import static io.github.pipeliningsmtp.client.TransactionPhase.NOT_SENDABLE;
import static io.github.pipeliningsmtp.client.TransactionPhase.OUT_OF_STEP;
import static io.github.pipeliningsmtp.client.TransactionPhase.PREPARED;
import static io.github.pipeliningsmtp.client.TransactionPhase.SENDING_CONTENT;

import io.github.pipeliningsmtp.protocol.Capabilities;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.util.List;

/**
 * One mail transaction (RFC 5321 §3.3) as a state machine: a single {@link TransactionPhase} field, moved only
 * by {@link #move}, decides what every reply means, and this class alone decides the outcome of the
 * transaction and of each of its recipients in the ledger:
 *
 * <ul>
 *   <li>MAIL FROM refused: every recipient fails with that error; RCPT replies are details.</li>
 *   <li>RCPT TO refused: that recipient fails with its own reply; the others go on (partial delivery).</li>
 *   <li>DATA refused: accepted recipients fail with the DATA error.</li>
 *   <li>End of data (or the LAST BDAT chunk): 2yz makes accepted recipients SUCCEEDED, otherwise FAILED.</li>
 *   <li>A reply that contradicts the client's model of the server (503 to MAIL FROM, 2yz or a 3yz
 *       other than 354 to DATA, 503 to RCPT TO after MAIL FROM was accepted, 503 to DATA or BDAT
 *       after a recipient was accepted, 2yz to the LAST chunk when no recipient was accepted): the
 *       transaction is {@link TransactionPhase#OUT_OF_STEP}, the handler returns the error that ends the
 *       connection, and the recipients are settled as when it is cut off.</li>
 *   <li>Cut off (no reply, or out of step): a recipient the server did not refuse is UNKNOWN when the
 *       end of data or LAST chunk may have been written and the server had not refused the
 *       transaction before it; otherwise FAILED. This is the one place that rule lives: a recipient
 *       is FAILED only when the server refused it or nothing of its content can have been
 *       committed, never after its content got a 2yz ({@link RecipientResult} refuses that move).</li>
 * </ul>
 *
 * <p>{@link #needsReset()} is what the reset rule reads: after a transaction that failed (refused
 * MAIL FROM, every RCPT TO refused, DATA, BDAT or end of data refused, out of step, cut off) or whose
 * BDAT outcome is not yet known, RSET comes before the next MAIL FROM (RFC 5321 §4.1.1.5; Exim keeps
 * the sender after a BDAT refused for want of recipients). Not after a content that got a 2yz, nor
 * after a DATA end of data whose reply is not yet read: whatever that reply is, it ends the
 * transaction (RFC 5321 §4.1.1.4), and an RSET there would spend the one RSET per message that
 * Exim does not count against {@code smtp_accept_max_nonmail}, so that each RSET a failed
 * transaction does need would count; a server that kept state after all answers the next MAIL FROM
 * with 503, which puts the connection out of step (nothing of that next message is written).
 *
 * <p>Threads: replies are handled by the reading thread; the writing thread only records what was
 * written (MAIL FROM, the content's end) in the ledger and reads the phase to stop BDAT chunks.
 */
final class Transaction {

    private final OutgoingMessage message;
    private final MessageLedger ledger;
    private final TransactionCommands commands;
    private volatile TransactionPhase phase;
    /** What failed the transaction as a whole (MAIL FROM, DATA or content refused, out of step), or null. */
    private SmtpError failure;
    /** Set by the writing thread: the content could not be produced. */
    private volatile SmtpError contentError;

    /** @throws IllegalArgumentException if an address cannot be written safely */
    Transaction(OutgoingMessage message, Capabilities capabilities) {
        this.message = message;
        this.ledger = new MessageLedger(message.envelope());
        this.commands = TransactionCommands.of(message, capabilities);
        this.phase = commands.localError() == null ? PREPARED : NOT_SENDABLE;
        this.failure = commands.localError();
        for (int i = 0; i < commands.rcptErrors().size(); i++) {
            SmtpError refused = commands.rcptErrors().get(i);
            if (refused != null) {
                // not written at all (RFC 5321 §4.5.3.1 limits, or no ASCII form without SMTPUTF8)
                ledger.update(i, r -> r.failed(null, refused));
            }
        }
    }

    /**
     * All-or-nothing: a recipient refused locally means the message cannot go whole, so nothing of
     * it is written.
     */
    void refuseIfPartlyRefusedLocally() {
        SmtpError refused = commands.rcptErrors().stream().filter(e -> e != null).findFirst().orElse(null);
        if (phase == PREPARED && refused != null) {
            failure = SmtpError.abandoned(refused);
            phase = NOT_SENDABLE;
        }
    }

    /** Single-connection convenience without extensions (tests). */
    Transaction(OutgoingMessage message) {
        this(message, Capabilities.NONE);
    }

    TransactionPhase phase() {
        return phase;
    }

    /** Moves to {@code to}, which must be allowed from the current phase. */
    private void move(TransactionPhase to, TransactionPhase... from) {
        TransactionPhase now = phase;
        for (TransactionPhase f : from) {
            if (f == now) {
                phase = to;
                return;
            }
        }
        throw new IllegalStateException("transaction " + now + " -> " + to + " for " + ledger.envelope());
    }

    /** False when the message was refused locally: the transaction is not started at all. */
    boolean sendable() {
        return phase != NOT_SENDABLE;
    }

    /** Whether RSET must come before the next MAIL FROM on this connection (see the class comment). */
    boolean needsReset() {
        return phase != DELIVERED && phase != SENDING_CONTENT;
    }

    MessageLedger ledger() {
        return ledger;
    }

    SmtpCommand mailFromCommand() {
        return commands.mailFrom();
    }

    /** One RCPT TO per envelope recipient; null for a recipient refused locally, which is not written. */
    List<SmtpCommand> rcptToCommands() {
        return commands.rcptTo();
    }

    MessageContent content() {
        return message.content();
    }

    /** MAIL FROM got 2yz and nothing has ended the transaction since. */
    boolean inEnvelope() {
        return phase == ENVELOPE;
    }

    boolean anyAccepted() {
        return ledger.count(RecipientStatus.ACCEPTED) > 0;
    }

    /** True when every recipient was accepted. */
    boolean allAccepted() {
        return ledger.count(RecipientStatus.ACCEPTED) == ledger.envelope().recipients().size();
    }

    /** DATA got 354: content (or a lone dot) must follow. */
    boolean dataGo() {
        return phase == SENDING_CONTENT;
    }

    /** All-or-nothing: a recipient was refused, so the accepted ones fail too, with the first refusal as the cause. */
    void abandon() {
        SmtpError cause = failure != null ? failure : ledger.recipients(RecipientStatus.FAILED).stream()
                .flatMap(r -> r.error().stream()).findFirst().orElse(null);
        move(ABANDONED, ENVELOPE, MAIL_REFUSED);
        if (cause != null) {
            ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, SmtpError.abandoned(cause)));
        }
    }

    /** Records that MAIL FROM is about to be written (writing thread): the message is no longer untouched. */
    void markStarted() {
        ledger.markStarted();
    }

    /** Marks the content committed; runs on the writing thread just before the terminator or LAST chunk. */
    Runnable beforeTerminator() {
        return ledger::markContentCommitted;
    }

    private SmtpError outOfStep(SmtpStep step, String display, SmtpReply reply, String why) {
        SmtpError error = SmtpError.outOfStep(step, display, reply, "reply " + reply + " to " + display + " " + why
                + ": the client no longer knows the server's state; the connection is retired");
        failure = error;
        cutOff(error);
        phase = OUT_OF_STEP;
        return error;
    }

    /**
     * The connection ended (or lost step) before this transaction's outcome: every recipient the
     * server did not refuse becomes UNKNOWN if the end of its content may have been written and the
     * server had not refused the transaction before it, FAILED otherwise. Idempotent.
     */
    void cutOff(SmtpError error) {
        SmtpError why = contentError != null ? contentError : failure != null ? failure : error;
        boolean mayBeDelivered = ledger.contentWritten() && !phase.refusedByServer();
        if (mayBeDelivered) {
            ledger.updateAll(RecipientStatus.PENDING, r -> r.unknown(why));
            ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.unknown(why));
        } else {
            ledger.updateAll(RecipientStatus.PENDING, r -> r.failed(null, why));
            ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, why));
        }
        if (!phase.isFinal()) {
            phase = CUT_OFF;
        }
    }

    /**
     * Settles what the flights left open: a message whose MAIL FROM was never written fails with
     * {@code notSent}; one that was started is cut off with {@code end}.
     */
    void settle(SmtpError notSent, SmtpError end) {
        if (phase.isFinal() && ledger.count(RecipientStatus.PENDING) + ledger.count(RecipientStatus.ACCEPTED) == 0) {
            return;
        }
        if (!ledger.started()) {
            SmtpError why = failure != null ? failure : notSent;
            ledger.updateAll(RecipientStatus.PENDING, r -> r.failed(null, why));
            if (!phase.isFinal()) {
                phase = CUT_OFF;
            }
        } else {
            cutOff(end != null ? end : notSent);
        }
    }

    ReplyHandler mailHandler() {
        SmtpCommand mailFrom = commands.mailFrom();
        return new ReplyHandler() {
            @Override
            public SmtpError onReply(SmtpReply reply) {
                if (reply.code() == 503 || reply.isPositiveIntermediate()) {
                    return outOfStep(SmtpStep.MAIL_FROM, mailFrom.display(), reply,
                            "shows a transaction the client did not know was open");
                }
                if (reply.isPositiveCompletion()) {
                    move(ENVELOPE, PREPARED);
                } else {
                    failure = SmtpError.ofReply(mailFrom, reply);
                    move(MAIL_REFUSED, PREPARED);
                }
                return null;
            }

            @Override
            public void onNoReply(SmtpError error) {
                cutOff(error);
            }
        };
    }

    ReplyHandler rcptHandler(int index) {
        SmtpCommand rcpt = commands.rcptTo().get(index);
        return new ReplyHandler() {
            @Override
            public SmtpError onReply(SmtpReply reply) {
                if (phase == MAIL_REFUSED) {
                    ledger.update(index, r -> r.failed(reply, failure));
                    if (!reply.isPositiveCompletion()) {
                        ledger.addDetail(SmtpError.ofReply(rcpt, reply));
                    }
                    return null;
                }
                if (reply.isPositiveIntermediate() || reply.code() == 503) {
                    return outOfStep(SmtpStep.RCPT_TO, rcpt.display(), reply,
                            "after MAIL FROM was accepted");
                }
                if (reply.isPositiveCompletion()) {
                    ledger.update(index, r -> r.accepted(reply));
                } else {
                    SmtpError error = SmtpError.ofReply(rcpt, reply);
                    ledger.update(index, r -> r.failed(reply, error));
                }
                return null;
            }

            @Override
            public void onNoReply(SmtpError error) {
                cutOff(error);
            }
        };
    }

    ReplyHandler dataHandler() {
        return new ReplyHandler() {
            @Override
            public SmtpError onReply(SmtpReply reply) {
                boolean accepted = phase == ENVELOPE && anyAccepted();
                if (reply.code() == 354) {
                    if (phase != ENVELOPE) {
                        return outOfStep(SmtpStep.DATA, "DATA", reply, "although MAIL FROM was refused");
                    }
                    move(SENDING_CONTENT, ENVELOPE);
                    return null;
                }
                if (reply.isPositiveCompletion() || reply.isPositiveIntermediate()
                        || (reply.code() == 503 && accepted)) {
                    return outOfStep(SmtpStep.DATA, "DATA", reply, accepted ? "after a recipient was accepted"
                            : "where only 354 or a refusal can come");
                }
                SmtpError error = SmtpError.ofReply(SmtpStep.DATA, null, reply);
                if (accepted) {
                    failure = error;
                    ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, error));
                } else {
                    ledger.addDetail(error);
                }
                move(DATA_REFUSED, ENVELOPE, MAIL_REFUSED);
                return null;
            }

            @Override
            public void onNoReply(SmtpError error) {
                cutOff(error);
            }
        };
    }

    ReplyHandler endOfDataHandler() {
        return new ReplyHandler() {
            @Override
            public SmtpError onReply(SmtpReply reply) {
                if (reply.isPositiveIntermediate()) {
                    return outOfStep(SmtpStep.END_OF_DATA, null, reply, "where only a final reply can come");
                }
                ledger.finalReply(reply);
                if (reply.isPositiveCompletion()) {
                    move(DELIVERED, SENDING_CONTENT);
                    ledger.updateAll(RecipientStatus.ACCEPTED, RecipientResult::succeeded);
                } else {
                    SmtpError error = SmtpError.ofReply(SmtpStep.END_OF_DATA, null, reply);
                    failure = error;
                    move(CONTENT_REFUSED, SENDING_CONTENT);
                    ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, error));
                }
                return null;
            }

            @Override
            public void onContentFailure(SmtpError error) {
                contentError = error;
            }

            @Override
            public void onNoReply(SmtpError error) {
                cutOff(error);
            }
        };
    }

    /** The reply to a lone "." sent because 354 came although no RCPT TO was accepted. */
    ReplyHandler loneDotHandler() {
        return new ReplyHandler() {
            @Override
            public SmtpError onReply(SmtpReply reply) {
                if (reply.isPositiveIntermediate()) {
                    return outOfStep(SmtpStep.END_OF_DATA, null, reply, "where only a final reply can come");
                }
                if (!reply.isPositiveCompletion()) {
                    ledger.addDetail(SmtpError.ofReply(SmtpStep.END_OF_DATA, null, reply));
                }
                move(EMPTY_ENDED, SENDING_CONTENT);
                return null;
            }

            @Override
            public void onNoReply(SmtpError error) {
                ledger.addDetail(error);
                cutOff(error);
            }
        };
    }

    /**
     * Replies to this message's BDAT chunks (RFC 3030), read after its MAIL FROM and RCPT TO
     * replies: a refused chunk fails the accepted recipients with that chunk's reply and stops
     * further chunks; the LAST chunk's 2yz makes them SUCCEEDED. Chunk replies after a refusal, or
     * when MAIL FROM or every recipient was refused, are details.
     */
    ChunkHandler bdatHandler() {
        return new ChunkHandler() {
            @Override
            public SmtpError onChunkReply(String display, SmtpReply reply, boolean last) {
                if (display.equals("RSET")) {
                    // the RSET written instead of the chunks after a refused one
                    return reply.isPositiveCompletion() ? null
                            : outOfStep(SmtpStep.RSET, "RSET", reply, "after a refused chunk");
                }
                boolean open = phase == ENVELOPE;
                boolean accepted = open && anyAccepted();
                if (reply.isPositiveIntermediate() || (reply.code() == 503 && accepted)
                        || (last && reply.isPositiveCompletion() && open && !accepted)
                        || (reply.isPositiveCompletion() && phase == MAIL_REFUSED)) {
                    return outOfStep(SmtpStep.BDAT, display, reply, accepted ? "after a recipient was accepted"
                            : "although no transaction was open on the client's side");
                }
                if (reply.isPositiveCompletion()) {
                    if (last && open) {
                        ledger.finalReply(reply);
                        move(DELIVERED, ENVELOPE);
                        ledger.updateAll(RecipientStatus.ACCEPTED, RecipientResult::succeeded);
                    }
                    return null;
                }
                SmtpError error = SmtpError.ofReply(SmtpStep.BDAT, display, reply);
                if (accepted) {
                    failure = error;
                    ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, error));
                } else {
                    ledger.addDetail(error);
                }
                if (last) {
                    ledger.finalReply(reply);
                }
                if (phase == ENVELOPE || phase == MAIL_REFUSED) {
                    // no more chunks of this message: the writer sends RSET instead (RFC 3030 §3)
                    move(CONTENT_REFUSED, ENVELOPE, MAIL_REFUSED);
                }
                return null;
            }

            @Override
            public boolean refused() {
                return phase == CONTENT_REFUSED;
            }

            @Override
            public void onContentFailure(SmtpError error) {
                contentError = error;
            }

            @Override
            public void onNoReply(SmtpError error) {
                cutOff(error);
            }
        };
    }

    @Override
    public String toString() {
        return "Transaction[" + phase + " " + ledger + "]";
    }
}
