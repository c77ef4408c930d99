package io.github.pipeliningsmtp.client;

/**
 * A command of the session set-up (greeting, EHLO/HELO, STARTTLS) got a reply that ends the
 * session, e.g. {@code {greeting, 554 5.7.1 No SMTP service here}}.
 */
public class SmtpReplyException extends SmtpException {

    private static final long serialVersionUID = 1L;

    /** @param error the command and the reply it got */
    public SmtpReplyException(SmtpError error) {
        super("SMTP server refused " + error, error, null);
    }
}
