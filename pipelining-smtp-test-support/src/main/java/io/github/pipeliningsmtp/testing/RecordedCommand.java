package io.github.pipeliningsmtp.testing;

/**
 * A command line read by a {@link ServerSession#readLine()} call of a {@link ScriptedSmtpServer}.
 *
 * @param connectionIndex the index of the connection (0 for the first accepted connection)
 * @param readIndex the ordinal (per connection, from 0) of the socket {@code read()} call in which
 *     the line's final byte (the LF) arrived; lines with the same read index arrived in one read
 * @param line the line without its line end
 */
public record RecordedCommand(int connectionIndex, int readIndex, String line) {

    /** Returns the upper-cased first word of the line, e.g. {@code "MAIL"} for {@code "mail FROM:<a@b>"}. */
    public String verb() {
        int space = line.indexOf(' ');
        return (space < 0 ? line : line.substring(0, space)).toUpperCase(java.util.Locale.ROOT);
    }
}
