package io.github.pipeliningsmtp.client;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The content of a message (headers and body, RFC 5322), written on demand to the connection
 * through the DATA encoder, so a message is never held whole in memory by this client. Line ends
 * may be CRLF, bare LF or bare CR: the encoder normalises them. May be called more than once only
 * if the implementation can repeat itself (a retry on a new connection calls it again).
 */
@FunctionalInterface
public interface MessageContent {

    /**
     * Writes the content.
     *
     * @throws IOException        when the connection fails while writing (not the content's fault)
     * @throws MessagingException when the content cannot be produced; the message then fails with
     *                            {@link FailureType#LOCAL}, no terminator is sent and nothing of it is delivered
     */
    void writeTo(OutputStream out) throws IOException, MessagingException;

    /**
     * Checks the content before MAIL FROM is written; a failure fails the message with
     * {@link FailureType#LOCAL} and nothing of it is sent. The default checks nothing.
     *
     * @throws MessagingException when the content must not be sent
     */
    default void check() throws MessagingException {
    }

    /**
     * Whether {@link #writeTo} can be called more than once with the same result. Only repeatable
     * content is measured before sending (SIZE, 8-bit detection) or sent again in a new transaction.
     * The default says no.
     */
    default boolean repeatable() {
        return false;
    }

    /**
     * Whether the header section needs SMTPUTF8 (RFC 6531/6532: raw UTF-8 in headers). The default
     * says no.
     */
    default boolean needsSmtpUtf8() {
        return false;
    }

    /**
     * Re-encodes 8-bit body parts in a 7-bit transfer encoding, for a server without 8BITMIME
     * (RFC 6152 §3). Returns false when it cannot (the default); the message then fails locally.
     *
     * @throws MessagingException when re-encoding fails
     */
    default boolean convertToSevenBit() throws MessagingException {
        return false;
    }

    /**
     * Re-encodes the body parts whose lines may be over 998 octets (RFC 5322 §2.1.1: 7bit, 8bit or
     * binary parts) in quoted-printable or base64, whose lines are short (RFC 2045 §6.7, §6.8).
     * Returns false when it cannot (the default); the message then fails locally. Called before
     * MAIL FROM when a scan of repeatable content finds such a line; the content is scanned again
     * after it.
     *
     * @throws MessagingException when re-encoding fails
     */
    default boolean reencodeLongLines() throws MessagingException {
        return false;
    }

    /**
     * Content from a Jakarta Mail message, through {@link MimeMessage#writeTo(OutputStream)}. Its
     * check refuses a header with a line break that does not fold (CRLF not followed by a space or
     * tab), which would inject a header line (RFC 5322 §2.2.3).
     */
    static MessageContent of(MimeMessage message) {
        return new MimeMessageContent(message);
    }

    /** Content from bytes already in memory (tests, small messages). */
    static MessageContent of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new MessageContent() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(copy);
            }

            @Override
            public boolean repeatable() {
                return true;
            }
        };
    }
}
