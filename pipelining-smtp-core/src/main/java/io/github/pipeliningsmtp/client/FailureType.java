package io.github.pipeliningsmtp.client;

/**
 * What kind of failure an {@link SmtpError} is, so that a caller knows what it can do. Only
 * {@link #TRANSIENT} is worth retrying as it is.
 */
public enum FailureType {
    /**
     * A 4yz reply, or a broken connection before anything was committed: the same mail may succeed
     * later (RFC 5321 §4.2.1).
     */
    TRANSIENT,
    /** A 5yz reply: sending the same mail again will fail again (RFC 5321 §4.2.1). */
    PERMANENT,
    /**
     * Refused by this client before or while writing (an address or content it cannot send as is,
     * content that could not be written); nothing of it reached the server. Retrying the same input
     * fails the same way.
     */
    LOCAL,
    /**
     * A configuration or security failure that no retry fixes until the configuration changes: an
     * untrusted certificate or a wrong host name (TLS), STARTTLS required but not offered, AUTH
     * refused with 5yz (e.g. {@code 535 5.7.8}, RFC 4954 §6), no AUTH mechanism in common, AUTH
     * forbidden over plaintext. Nothing was sent.
     */
    CONFIGURATION
}
