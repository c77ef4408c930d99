package io.github.pipeliningsmtp.client;

import java.util.Objects;

/**
 * One message to send: its envelope, its content and, optionally, DSN requests.
 *
 * @param envelope MAIL FROM and RCPT TO addresses
 * @param content  headers and body
 * @param dsn      delivery status notification requests (RFC 3461), or null for none
 */
public record OutgoingMessage(Envelope envelope, MessageContent content, DsnOptions dsn) {

    /** Requires envelope and content. */
    public OutgoingMessage {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(content, "content");
    }

    /** A message without DSN requests. */
    public OutgoingMessage(Envelope envelope, MessageContent content) {
        this(envelope, content, null);
    }
}
