package io.github.pipeliningsmtp.protocol;

/**
 * The step of an SMTP session an error belongs to (RFC 5321 §3, RFC 3207, RFC 4954, RFC 3030).
 * Retry, resend and retire decisions read this, never the display text of a command.
 */
public enum SmtpStep {
    /** Opening the TCP connection (and, with implicit TLS, its handshake). */
    CONNECT("connect"),
    /** The server's 220 greeting (RFC 5321 §4.3.1). */
    GREETING("greeting"),
    /** EHLO (RFC 5321 §4.1.1.1). */
    EHLO("EHLO"),
    /** HELO, sent when EHLO got 500 or 502. */
    HELO("HELO"),
    /** STARTTLS and its handshake (RFC 3207). */
    STARTTLS("STARTTLS"),
    /** AUTH and each SASL step (RFC 4954). */
    AUTH("AUTH"),
    /** MAIL FROM (RFC 5321 §4.1.1.2). */
    MAIL_FROM("MAIL FROM"),
    /** RCPT TO (RFC 5321 §4.1.1.3). */
    RCPT_TO("RCPT TO"),
    /** The DATA command itself, answered by 354 (RFC 5321 §4.1.1.4). */
    DATA("DATA"),
    /** Writing a message's content after 354, before its end of data. */
    DATA_CONTENT("DATA (content)"),
    /** The end of data ({@code CRLF.CRLF}) and its final reply. */
    END_OF_DATA("DATA (end of data)"),
    /** A BDAT chunk, or writing BDAT content (RFC 3030). */
    BDAT("BDAT"),
    /** RSET (RFC 5321 §4.1.1.5). */
    RSET("RSET"),
    /** NOOP. */
    NOOP("NOOP"),
    /** QUIT. */
    QUIT("QUIT");

    private final String label;

    SmtpStep(String label) {
        this.label = label;
    }

    /** How the step is shown when no command text is more precise, e.g. {@code MAIL FROM}, {@code greeting}. */
    public String label() {
        return label;
    }

    /** The step a command belongs to; a SASL response belongs to AUTH. */
    public static SmtpStep of(SmtpCommand.Verb verb) {
        return switch (verb) {
            case EHLO -> EHLO;
            case HELO -> HELO;
            case STARTTLS -> STARTTLS;
            case AUTH, AUTH_RESPONSE -> AUTH;
            case MAIL -> MAIL_FROM;
            case RCPT -> RCPT_TO;
            case DATA -> DATA;
            case BDAT -> BDAT;
            case RSET -> RSET;
            case NOOP -> NOOP;
            case QUIT -> QUIT;
        };
    }
}
