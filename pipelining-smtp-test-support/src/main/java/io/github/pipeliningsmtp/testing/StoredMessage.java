package io.github.pipeliningsmtp.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A message that a session stored with {@link ServerSession#store(String, List, byte[])}.
 *
 * @param connectionIndex the connection on which the message arrived
 * @param mailFrom the reverse-path (address without angle brackets, empty for the null sender)
 * @param recipients the accepted forward-paths, in order
 * @param content the message content after removal of dot-stuffing, CRLF line ends, without the
 *     terminating {@code .} line
 */
public record StoredMessage(int connectionIndex, String mailFrom, List<String> recipients, byte[] content) {

    /** Copies the recipients and the content. */
    public StoredMessage {
        recipients = List.copyOf(recipients);
        content = content.clone();
    }

    /** Returns a copy of the content. */
    @Override
    public byte[] content() {
        return content.clone();
    }

    /** Returns the content decoded as UTF-8. */
    public String contentAsString() {
        return new String(content, StandardCharsets.UTF_8);
    }

    /**
     * Returns the (unfolded, trimmed) value of the first header field with the given name
     * (case-insensitive), if any.
     */
    public Optional<String> header(String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        String[] lines = headerSection().split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].toLowerCase(Locale.ROOT).startsWith(prefix)) {
                StringBuilder value = new StringBuilder(lines[i].substring(prefix.length()));
                for (int j = i + 1; j < lines.length && !lines[j].isEmpty()
                        && (lines[j].charAt(0) == ' ' || lines[j].charAt(0) == '\t'); j++) {
                    value.append(' ').append(lines[j].trim());
                }
                return Optional.of(value.toString().trim());
            }
        }
        return Optional.empty();
    }

    /** Returns the header section: the text before the first empty line (the whole content if none). */
    public String headerSection() {
        String text = contentAsString();
        int end = bodyStart(text);
        return end < 0 ? text : text.substring(0, end);
    }

    /** Returns the body: the text after the first empty line (empty if there is no empty line). */
    public String body() {
        String text = contentAsString();
        int end = bodyStart(text);
        if (end < 0) {
            return "";
        }
        return text.startsWith("\r\n", end) ? text.substring(end + 2) : text.substring(end + 1);
    }

    private static int bodyStart(String text) {
        if (text.startsWith("\r\n") || text.startsWith("\n")) {
            return 0;
        }
        int crlf = text.indexOf("\r\n\r\n");
        int lf = text.indexOf("\n\n");
        if (crlf >= 0 && (lf < 0 || crlf + 1 <= lf)) {
            return crlf + 2;
        }
        return lf < 0 ? -1 : lf + 1;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StoredMessage m && m.connectionIndex == connectionIndex
                && m.mailFrom.equals(mailFrom) && m.recipients.equals(recipients) && Arrays.equals(m.content, content);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * connectionIndex + mailFrom.hashCode()) + recipients.hashCode()) + Arrays.hashCode(content);
    }

    @Override
    public String toString() {
        return "StoredMessage[connection=" + connectionIndex + ", from=" + mailFrom + ", to=" + recipients
                + ", content=" + contentAsString() + "]";
    }
}
