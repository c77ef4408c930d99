package io.github.pipeliningsmtp.client;

/** How a connection uses TLS. */
public enum TlsMode {
    /** Plaintext only; STARTTLS is never sent. */
    NONE,
    /** STARTTLS when the server advertises it (RFC 3207); plaintext otherwise, or when it answers 454. */
    STARTTLS_OPPORTUNISTIC,
    /** STARTTLS or fail before anything else (AUTH, MAIL FROM) is written: no downgrade. */
    STARTTLS_REQUIRED,
    /** TLS from the first byte (RFC 8314 §3.3, usually port 465). */
    IMPLICIT
}
