package io.github.pipeliningsmtp.test;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A negative reply a {@link TestSmtpServer} gives at one {@link Stage} of the transactions it
 * selects: by default every transaction, narrowed with {@link #forRecipient(String)} and
 * {@link #forSender(String)}, and given every time or only the first {@link #times(int) n times}.
 * Immutable; add it with {@link TestSmtpServer#refuse(Refusal)}.
 *
 * <pre>{@code
 * smtp.refuse(Refusal.at(Stage.END_OF_DATA, 554, "5.7.1", "Message refused as spam")
 *         .forRecipient("ann@example.com").times(1));
 * }</pre>
 *
 * <p>Addresses are compared ignoring case, without angle brackets.
 *
 * @param stage where the reply is given
 * @param code the reply code, 400 to 599 (4yz transient, 5yz permanent: RFC 5321 §4.2.1)
 * @param enhancedStatusCode the enhanced status code (RFC 3463) written after the code, e.g.
 *     {@code 5.1.1}, or null for none
 * @param text the reply text after the codes (a single line, no CR or LF)
 * @param recipient at {@link Stage#RCPT_TO} the refused recipient; at {@link Stage#DATA} and
 *     {@link Stage#END_OF_DATA} a recipient the transaction must have had accepted; null for any
 * @param sender the envelope sender (MAIL FROM) the transaction must have, {@code ""} for the null
 *     sender; null for any
 * @param times how many times the reply is given before the refusal is spent; 0 for every time
 */
public record Refusal(Stage stage, int code, String enhancedStatusCode, String text, String recipient, String sender,
                      int times) {

    private static final Pattern ENHANCED = Pattern.compile("[45]\\.\\d{1,3}\\.\\d{1,3}");

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when the code is not 400 to 599, the enhanced status code is
     *     malformed or of another class than the code, the text has CR or LF, {@code times} is
     *     negative, or a recipient is given for {@link Stage#MAIL_FROM} (no recipient is known yet)
     */
    public Refusal {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(text, "text");
        if (code < 400 || code > 599) {
            throw new IllegalArgumentException("a refusal's reply code is 400 to 599, not " + code);
        }
        if (enhancedStatusCode != null && (!ENHANCED.matcher(enhancedStatusCode).matches()
                || enhancedStatusCode.charAt(0) - '0' != code / 100)) {
            throw new IllegalArgumentException("enhanced status code " + enhancedStatusCode + " does not fit reply code "
                    + code + " (RFC 3463: the class digit equals the reply's)");
        }
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("the reply text must be one line");
        }
        if (times < 0) {
            throw new IllegalArgumentException("times must be 0 (every time) or more, not " + times);
        }
        if (recipient != null && stage == Stage.MAIL_FROM) {
            throw new IllegalArgumentException("no recipient is known at MAIL FROM: select by sender instead");
        }
    }

    /** A refusal at {@code stage} of every transaction, every time. */
    public static Refusal at(Stage stage, int code, String enhancedStatusCode, String text) {
        return new Refusal(stage, code, enhancedStatusCode, text, null, null, 0);
    }

    /** A copy that applies only to transactions with this recipient (see the record's {@code recipient}). */
    public Refusal forRecipient(String address) {
        return new Refusal(stage, code, enhancedStatusCode, text, Objects.requireNonNull(address), sender, times);
    }

    /** A copy that applies only to transactions with this envelope sender ({@code ""}: the null sender). */
    public Refusal forSender(String address) {
        return new Refusal(stage, code, enhancedStatusCode, text, recipient, Objects.requireNonNull(address), times);
    }

    /** A copy that is given at most {@code n} times (n ≥ 1), then spent; 0 for every time. */
    public Refusal times(int n) {
        return new Refusal(stage, code, enhancedStatusCode, text, recipient, sender, n);
    }

    /** The reply line as written, e.g. {@code 550 5.1.1 No such user}. */
    public String replyLine() {
        return code + " " + (enhancedStatusCode != null ? enhancedStatusCode + " " : "") + text;
    }

    boolean selects(String transactionSender, Iterable<String> recipients) {
        if (sender != null && (transactionSender == null || !same(sender, transactionSender))) {
            return false;
        }
        if (recipient == null) {
            return true;
        }
        for (String r : recipients) {
            if (same(recipient, r)) {
                return true;
            }
        }
        return false;
    }

    private static boolean same(String a, String b) {
        return a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
    }
}
