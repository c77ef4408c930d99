package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.pacing.RateLimitWaitException;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.time.Duration;

/**
 * The send rate limit as {@link TransactionRunner} takes it, one transaction at a time.
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
 * <p>Used by one thread at a time.
 */
final class RateLimitBudget {

    private final SendingOptions options;
    /** Why the rest of this call's transactions were not started (the rate limit), or null. */
    private SmtpError paceError;

    RateLimitBudget(SendingOptions options) {
        this.options = options;
    }

    /** A new call of the runner: every transaction may be started again. */
    void startCall() {
        paceError = null;
    }

    /** Why the rest of this call's transactions were not started, or null while they may be. */
    SmtpError error() {
        return paceError;
    }

    /**
     * Takes the transaction's budget from the rate limit, waiting for it (see the class comment).
     *
     * @return false when it could not be had: nothing more is started on this call
     */
    boolean paced(Transaction tx) {
        long due = reserve(tx);
        return due >= 0 && awaitBudget(due);
    }

    /**
     * Reserves the transaction's budget without waiting for it.
     *
     * @return when it is due ({@link System#nanoTime()} scale), or -1 when it could not be had
     *         ({@link #error()} says why): nothing more is started on this call
     */
    long reserve(Transaction tx) {
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

    /** Waits until the reserved budget is due; false when interrupted ({@link #error()} says so). */
    boolean awaitBudget(long due) {
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
}
