package io.github.pipeliningsmtp.client;

/**
 * Where one recipient of one message stands. A ledger returned by a send holds only
 * {@link #SUCCEEDED}, {@link #FAILED} and {@link #UNKNOWN}; {@link #PENDING} and {@link #ACCEPTED}
 * are the states on the way.
 */
public enum RecipientStatus {
    /** Nothing answered yet. */
    PENDING,
    /** RCPT TO got 2yz; the content's final reply is not in yet. */
    ACCEPTED,
    /** RCPT TO got 2yz and the final reply for the content was 2yz: the server took responsibility. */
    SUCCEEDED,
    /** RCPT refused, or the transaction failed before the content was committed; never delivered. */
    FAILED,
    /** The connection broke after the end of data was sent and before its reply: it may or may not be delivered. */
    UNKNOWN;

    /** True for SUCCEEDED, FAILED and UNKNOWN. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == UNKNOWN;
    }
}
