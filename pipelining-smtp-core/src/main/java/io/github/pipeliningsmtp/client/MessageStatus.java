package io.github.pipeliningsmtp.client;

/** The summary of a message's ledger, from the status of its recipients. */
public enum MessageStatus {
    /** Every recipient SUCCEEDED. */
    SUCCEEDED,
    /** Some recipients SUCCEEDED, others FAILED or are UNKNOWN. */
    PARTIAL,
    /** No recipient SUCCEEDED and none is UNKNOWN. */
    FAILED,
    /** No recipient SUCCEEDED and at least one is UNKNOWN. */
    UNKNOWN
}
