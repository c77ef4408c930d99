package io.github.pipeliningsmtp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One SMTP command line, validated and encoded. Every argument is checked when the command is
 * built, so nothing is written for a command that would inject another: CR, LF and NUL (and any
 * other control character) are rejected in addresses, domains and ESMTP parameters with an
 * {@link IllegalArgumentException} (RFC 5321 §4.1.2 has no place for them). Immutable.
 *
 * <p>{@link #toString()} is safe for logs: SASL data is shown as {@code ****}.
 */
public final class SmtpCommand {

    /** The command verbs this client sends. */
    public enum Verb {
        EHLO, HELO, STARTTLS, AUTH, AUTH_RESPONSE, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT;

        /**
         * Whether a command of this verb must be the last of a group: the client waits for its reply
         * before writing anything more (RFC 2920 §3.1; AUTH and SASL steps per RFC 4954).
         */
        public boolean endsGroup() {
            return this != MAIL && this != RCPT && this != RSET && this != BDAT;
        }
    }

    private static final Pattern PARAM_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
    private static final Pattern MECHANISM = Pattern.compile("[A-Z0-9_-]{1,20}");

    private final Verb verb;
    private final String line;
    private final String display;
    private final boolean sensitive;

    private SmtpCommand(Verb verb, String line, String display, boolean sensitive) {
        this.verb = verb;
        this.line = line;
        this.display = display;
        this.sensitive = sensitive;
    }

    /** {@code EHLO domain} (RFC 5321 §4.1.1.1). */
    public static SmtpCommand ehlo(String domain) {
        return new SmtpCommand(Verb.EHLO, "EHLO " + checkDomain(domain), "EHLO", false);
    }

    /** {@code HELO domain}, the fallback when EHLO gets 500 or 502. */
    public static SmtpCommand helo(String domain) {
        return new SmtpCommand(Verb.HELO, "HELO " + checkDomain(domain), "HELO", false);
    }

    /**
     * {@code MAIL FROM:<reverse-path> [params]}.
     *
     * @param reversePath the envelope sender, or {@code ""} for the null reverse-path
     * @param parameters  ESMTP parameters (key to value; a null value for a key alone), in order
     * @throws IllegalArgumentException on a control character or angle bracket in the address, or a
     *                                  malformed parameter
     */
    public static SmtpCommand mailFrom(String reversePath, Map<String, String> parameters) {
        String path = checkAddress(reversePath, true);
        return new SmtpCommand(Verb.MAIL, "MAIL FROM:<" + path + ">" + params(parameters), "MAIL FROM", false);
    }

    /**
     * {@code RCPT TO:<forward-path> [params]}; displayed as {@code RCPT TO:<address>} in the ledger.
     *
     * @throws IllegalArgumentException as {@link #mailFrom}; also for an empty address
     */
    public static SmtpCommand rcptTo(String forwardPath, Map<String, String> parameters) {
        String path = checkAddress(forwardPath, false);
        return new SmtpCommand(Verb.RCPT, "RCPT TO:<" + path + ">" + params(parameters),
                "RCPT TO:<" + path + ">", false);
    }

    /** {@code DATA}. */
    public static SmtpCommand data() {
        return new SmtpCommand(Verb.DATA, "DATA", "DATA", false);
    }

    /**
     * {@code BDAT n [LAST]} (RFC 3030 §2); the n octets follow the line. Only its line: the octets
     * are written by {@link BdatOutputStream}. Displayed as sent, e.g. {@code BDAT 31 LAST}.
     */
    public static SmtpCommand bdat(long size, boolean last) {
        if (size < 0) {
            throw new IllegalArgumentException("BDAT size must not be negative");
        }
        String line = "BDAT " + size + (last ? " LAST" : "");
        return new SmtpCommand(Verb.BDAT, line, line, false);
    }

    /** {@code RSET}. */
    public static SmtpCommand rset() {
        return new SmtpCommand(Verb.RSET, "RSET", "RSET", false);
    }

    /** {@code NOOP}. */
    public static SmtpCommand noop() {
        return new SmtpCommand(Verb.NOOP, "NOOP", "NOOP", false);
    }

    /** {@code QUIT}. */
    public static SmtpCommand quit() {
        return new SmtpCommand(Verb.QUIT, "QUIT", "QUIT", false);
    }

    /** {@code STARTTLS} (RFC 3207). */
    public static SmtpCommand startTls() {
        return new SmtpCommand(Verb.STARTTLS, "STARTTLS", "STARTTLS", false);
    }

    /**
     * {@code AUTH mechanism [initial-response]} (RFC 4954 §4). The initial response is never shown
     * by {@link #toString()}.
     *
     * @param initialResponse base64 initial response, {@code "="} for an empty one, or null for none
     */
    public static SmtpCommand auth(String mechanism, String initialResponse) {
        String mech = mechanism.toUpperCase(Locale.ROOT);
        if (!MECHANISM.matcher(mech).matches()) {
            throw new IllegalArgumentException("invalid SASL mechanism name");
        }
        if (initialResponse == null) {
            return new SmtpCommand(Verb.AUTH, "AUTH " + mech, "AUTH " + mech, false);
        }
        checkBase64(initialResponse);
        return new SmtpCommand(Verb.AUTH, "AUTH " + mech + " " + initialResponse, "AUTH " + mech, true);
    }

    /** A SASL response line (base64, possibly empty) answering a 334 challenge. Always redacted in logs. */
    public static SmtpCommand saslResponse(String base64) {
        checkBase64(base64);
        return new SmtpCommand(Verb.AUTH_RESPONSE, base64, "AUTH (response)", true);
    }

    private static void checkBase64(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/' || c == '=' || c == '*';
            if (!ok) {
                throw new IllegalArgumentException("SASL data must be base64");
            }
        }
    }

    private static String checkDomain(String domain) {
        if (domain == null || domain.isEmpty()) {
            throw new IllegalArgumentException("EHLO/HELO domain must not be empty");
        }
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("EHLO/HELO domain contains a space or control character");
            }
        }
        return domain;
    }

    private static String checkAddress(String address, boolean mayBeEmpty) {
        if (address == null || (address.isEmpty() && !mayBeEmpty)) {
            throw new IllegalArgumentException("envelope address must not be empty");
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException(
                        "envelope address contains a control character (CR, LF, NUL or other) at index " + i);
            }
            if (c == '<' || c == '>') {
                throw new IllegalArgumentException("envelope address contains an angle bracket at index " + i);
            }
            if (c == ' ') {
                throw new IllegalArgumentException("envelope address contains a space at index " + i);
            }
        }
        return address;
    }

    private static String params(Map<String, String> parameters) {
        if (parameters == null || parameters.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            String key = e.getKey();
            if (key == null || !PARAM_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("invalid ESMTP parameter keyword");
            }
            sb.append(' ').append(key);
            String value = e.getValue();
            if (value != null) {
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c <= ' ' || c == '=' || c == 0x7f) {
                        throw new IllegalArgumentException("ESMTP parameter " + key
                                + " has a space, '=' or control character (CR, LF, NUL) in its value");
                    }
                }
                sb.append('=').append(value);
            }
        }
        return sb.toString();
    }

    /** The verb. */
    public Verb verb() {
        return verb;
    }

    /** Whether the client must wait for this command's reply before writing more (RFC 2920 §3.1). */
    public boolean endsGroup() {
        return verb.endsGroup();
    }

    /** Whether the line carries SASL data, which never appears in logs or messages. */
    public boolean sensitive() {
        return sensitive;
    }

    /** How the ledger names the command: {@code MAIL FROM}, {@code RCPT TO:<addr>}, {@code DATA}, {@code AUTH PLAIN}. */
    public String display() {
        return display;
    }

    /** The bytes on the wire: the line in UTF-8 followed by CRLF. */
    public byte[] bytes() {
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[text.length + 2];
        System.arraycopy(text, 0, out, 0, text.length);
        out[text.length] = '\r';
        out[text.length + 1] = '\n';
        return out;
    }

    /** The line without CRLF for logs; SASL data replaced by {@code ****}. */
    @Override
    public String toString() {
        if (!sensitive) {
            return line;
        }
        return verb == Verb.AUTH ? display + " ****" : "****";
    }
}
