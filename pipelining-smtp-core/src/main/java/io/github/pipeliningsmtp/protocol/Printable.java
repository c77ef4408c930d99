package io.github.pipeliningsmtp.protocol;

/**
 * The one place where text that may come from a server (reply text, EHLO keywords, anything built
 * from them) is made safe to put into an exception message, a log line or a {@code toString()}:
 * every character that a terminal or a log viewer would act on instead of showing is replaced by a
 * visible escape, so a hostile reply can neither colour a terminal, ring its bell, hide text, nor
 * forge a log line.
 *
 * <p>Escaped: C0 controls and DEL (CR, LF and TAB too) and C1 controls (NEL U+0085 among them) as
 * {@code \xNN}; U+2028, U+2029, format characters (bidi overrides and isolates, zero-width
 * characters, BOM, tag characters) and unpaired surrogates as <code>&#92;uNNNN</code> (a character
 * outside the BMP as its two surrogates). Everything else, including the rest
 * of Unicode, is kept. For example a reply text of ESC, {@code [31mred} and BEL becomes
 * {@code \x1b[31mred\x07}, and one with NUL and U+2028 shows them as {@code \x00} and
 * <code>&#92;u2028</code>.
 *
 * <p>The backslash itself is not escaped, so escaping is idempotent: text escaped twice (a reply in
 * an error in an exception message in a log line) reads the same as text escaped once. The price is
 * that a server sending the four characters {@code \x1b} reads the same as one sending ESC; the raw
 * text, which tells them apart, stays available through {@link SmtpReply#lines()} and
 * {@link SmtpReply#text()}, which are never escaped.
 *
 * <p>Stateless and thread-safe.
 */
public final class Printable {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Printable() {
    }

    /**
     * The text with every control, line-separator and format character escaped; {@code "null"} for null.
     *
     * @param text text that may hold server data
     * @return the escaped text, never longer than six times the input
     */
    public static String of(CharSequence text) {
        if (text == null) {
            return "null";
        }
        int n = text.length();
        int i = 0;
        while (i < n && !mustEscape(text, i)) {
            i++;
        }
        if (i == n) {
            return text.toString();
        }
        StringBuilder sb = new StringBuilder(n + 16);
        sb.append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (mustEscape(text, i)) {
                appendEscape(sb, c);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * The escaped text, cut to at most {@code maxChars} characters (an escape is never cut in half)
     * with {@code "..."} at the end when anything was cut.
     *
     * @param text     text that may hold server data
     * @param maxChars the longest result, at least 3 (the {@code "..."} counts)
     * @return the escaped and bounded text
     */
    public static String of(CharSequence text, int maxChars) {
        if (maxChars < 3) {
            throw new IllegalArgumentException("maxChars >= 3 required: " + maxChars);
        }
        String escaped = of(text);
        if (escaped.length() <= maxChars) {
            return escaped;
        }
        int cut = maxChars - 3;
        // do not end inside an escape: back up to its backslash if one starts within the last 5 chars
        for (int j = cut - 1; j >= Math.max(0, cut - 5); j--) {
            if (escaped.charAt(j) == '\\') {
                int len = j + 1 < escaped.length() && escaped.charAt(j + 1) == 'u' ? 6 : 4;
                if (j + len > cut) {
                    cut = j;
                }
                break;
            }
        }
        // and never between the halves of a surrogate pair
        if (cut > 0 && Character.isHighSurrogate(escaped.charAt(cut - 1))) {
            cut--;
        }
        return escaped.substring(0, cut) + "...";
    }

    private static boolean mustEscape(CharSequence text, int i) {
        char c = text.charAt(i);
        if (c >= 0x20 && c < 0x7f) {
            return false;
        }
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))
                    || Character.getType(Character.toCodePoint(c, text.charAt(i + 1))) == Character.FORMAT;
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1))
                    || Character.getType(Character.toCodePoint(text.charAt(i - 1), c)) == Character.FORMAT;
        }
        int type = Character.getType(c);
        return type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.FORMAT || type == Character.CONTROL;
    }

    private static void appendEscape(StringBuilder sb, char c) {
        if (c <= 0xff) {
            sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
        } else {
            sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                    .append(HEX[c & 0xf]);
        }
    }
}
