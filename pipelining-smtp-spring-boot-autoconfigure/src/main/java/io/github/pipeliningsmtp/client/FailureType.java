package io.github.pipeliningsmtp.client;

/** What kind of failure an {@link SmtpError} is, for callers that retry only transient ones. */
public enum FailureType {
    /** A 4yz reply, or a broken connection before anything was committed: the same mail may succeed later. */
    TRANSIENT,
    /** A 5yz reply: sending the same mail again will fail again (RFC 5321 §4.2.1). */
    PERMANENT,
    /** Refused by this client before or while writing, e.g. content that could not be written. */
    LOCAL
}
