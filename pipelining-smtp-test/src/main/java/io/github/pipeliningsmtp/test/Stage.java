package io.github.pipeliningsmtp.test;

/**
 * Where in a mail transaction a {@link TestSmtpServer} gives a {@link Refusal} instead of its normal
 * reply (RFC 5321 §3.3, RFC 3030 for BDAT).
 */
public enum Stage {

    /**
     * {@code MAIL FROM} (RFC 5321 §4.1.1.2): the whole transaction is refused; the client records the
     * error at its {@code MAIL_FROM} step for every recipient.
     */
    MAIL_FROM,

    /**
     * {@code RCPT TO} (RFC 5321 §4.1.1.3): one recipient is refused; the message still goes to the
     * others (partial delivery, the client's default).
     */
    RCPT_TO,

    /**
     * The {@code DATA} command (RFC 5321 §4.1.1.4), given instead of 354 so that no content is sent;
     * with BDAT (CHUNKING, RFC 3030), the message's first chunk. The client records it at its
     * {@code DATA} step, or {@code BDAT} with chunking.
     */
    DATA,

    /**
     * The reply to the content: the end of data ({@code CRLF.CRLF}, RFC 5321 §4.1.1.4) or, with BDAT,
     * the {@code LAST} chunk (RFC 3030 §2). The message is not stored. The client records it at its
     * {@code END_OF_DATA} step, or {@code BDAT} with chunking.
     */
    END_OF_DATA
}
