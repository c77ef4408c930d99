package io.github.pipeliningsmtp.client;

/** What to do when some recipients of a message are refused and others accepted. */
public enum DeliveryPolicy {
    /**
     * Send to the accepted recipients and report the refused ones as FAILED (RFC 5321 §3.3). With
     * PIPELINING, DATA goes in the same group as the RCPTs: one round trip per message.
     */
    PARTIAL,
    /**
     * Send the content only if every recipient was accepted; otherwise RSET and report every
     * recipient as FAILED, the refused ones with their reply and the others with the first refusal.
     * Costs one more round trip per message with PIPELINING: DATA has to wait for the RCPT replies.
     */
    ALL_OR_NOTHING
}
