package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;

/**
 * Told of every reply and round trip on every connection (for metrics). Called on the thread that
 * reads the connection, many threads at once for a pool: implementations must be thread-safe,
 * fast and must not throw. Never given credentials: only the command verb and the reply.
 */
public interface SmtpEventListener {

    /** Does nothing. */
    SmtpEventListener NONE = new SmtpEventListener() {
    };

    /**
     * A reply arrived.
     *
     * @param command the verb it answered: {@code EHLO}, {@code HELO}, {@code STARTTLS}, {@code AUTH},
     *                {@code MAIL}, {@code RCPT}, {@code DATA}, {@code END_OF_DATA}, {@code RSET},
     *                {@code NOOP}, {@code QUIT} or {@code GREETING}
     */
    default void replyReceived(String command, SmtpReply reply) {
    }

    /** The client wrote and then waited for replies: one round trip. */
    default void roundTrip() {
    }
}
