package io.github.pipeliningsmtp.client;

import java.util.Objects;

/**
 * One message to send: its envelope and its content.
 *
 * @param envelope MAIL FROM and RCPT TO addresses
 * @param content  headers and body
 */
public record OutgoingMessage(Envelope envelope, MessageContent content) {

    /** Requires both parts. */
    public OutgoingMessage {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(content, "content");
    }
}
