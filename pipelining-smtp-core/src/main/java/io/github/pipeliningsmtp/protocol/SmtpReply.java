package io.github.pipeliningsmtp.protocol;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One complete SMTP reply (RFC 5321 §4.2): a three-digit reply code and one or more text lines,
 * with the enhanced status code (RFC 3463) when the first line carries one.
 *
 * <p>A server refusal is a value of this type, kept on the command that received it; it becomes an
 * exception only at the Spring boundary. Instances are immutable and thread-safe.
 */
public final class SmtpReply {

    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)");

    private final int code;
    private final List<String> lines;
    private final String enhancedStatusCode;

    private SmtpReply(int code, List<String> lines) {
        this.code = code;
        this.lines = List.copyOf(lines);
        this.enhancedStatusCode = parseEnhanced(code, this.lines.get(0));
    }

    /**
     * Creates a reply.
     *
     * @param code  the reply code, 200 to 599
     * @param lines the text of each line, without the code, the separator and CRLF; at least one
     * @return the reply
     * @throws IllegalArgumentException if the code is out of range or there is no line
     */
    public static SmtpReply of(int code, List<String> lines) {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply has at least one line");
        }
        return new SmtpReply(code, lines);
    }

    /** Convenience for a one-line reply, e.g. {@code of(250, "2.1.5 Ok")}. */
    public static SmtpReply of(int code, String text) {
        return of(code, List.of(Objects.requireNonNull(text)));
    }

    private static String parseEnhanced(int code, String firstLine) {
        Matcher m = ENHANCED.matcher(firstLine);
        if (m.find() && m.group(1).charAt(0) - '0' == code / 100) {
            return m.group(1) + "." + m.group(2) + "." + m.group(3);
        }
        return null;
    }

    /** The three-digit reply code. */
    public int code() {
        return code;
    }

    /** The enhanced status code (RFC 3463), such as {@code 5.1.1}, when the first line starts with one. */
    public Optional<String> enhancedStatusCode() {
        return Optional.ofNullable(enhancedStatusCode);
    }

    /** Every line's text as received, without the code and separator. */
    public List<String> lines() {
        return lines;
    }

    /** The text of every line, without a leading enhanced status code, joined with {@code "\n"}. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            Matcher m = ENHANCED.matcher(line);
            sb.append(m.find() ? line.substring(m.end()) : line);
        }
        return sb.toString();
    }

    /** 2yz: positive completion. */
    public boolean isPositiveCompletion() {
        return code / 100 == 2;
    }

    /** 3yz: positive intermediate (354 to DATA, 334 to AUTH). */
    public boolean isPositiveIntermediate() {
        return code / 100 == 3;
    }

    /** 4yz: transient negative completion; the same command may succeed later. */
    public boolean isTransientNegative() {
        return code / 100 == 4;
    }

    /** 5yz: permanent negative completion. */
    public boolean isPermanentNegative() {
        return code / 100 == 5;
    }

    /** 421: the server is closing the transmission channel (RFC 5321 §3.8). */
    public boolean isServiceClosing() {
        return code == 421;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SmtpReply r && r.code == code && r.lines.equals(lines);
    }

    @Override
    public int hashCode() {
        return code * 31 + lines.hashCode();
    }

    /**
     * The reply as on the wire, lines separated by {@code " / "}, e.g. {@code 550 5.1.1 User unknown},
     * with control and line-separator characters escaped ({@link Printable}); {@link #lines()} and
     * {@link #text()} keep them raw.
     */
    @Override
    public String toString() {
        return code + " " + Printable.of(String.join(" / ", lines));
    }
}
