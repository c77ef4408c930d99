package io.github.pipeliningsmtp.testing;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * What an {@link SmtpScript}'s expect step accepts as the next command line (without its line end):
 * an exact line, a prefix, or any predicate with a description. Matching is case-sensitive. The
 * description is what a {@link ScriptMismatchError} names as expected.
 */
public final class CommandMatcher {

    private final String description;
    private final Predicate<String> predicate;

    private CommandMatcher(String description, Predicate<String> predicate) {
        this.description = Objects.requireNonNull(description);
        this.predicate = Objects.requireNonNull(predicate);
    }

    /** Matches exactly this line, e.g. {@code "DATA"}. */
    public static CommandMatcher exact(String line) {
        Objects.requireNonNull(line);
        return new CommandMatcher(quote(line), line::equals);
    }

    /** Matches a line that starts with the prefix, e.g. {@code "MAIL FROM:<"}. */
    public static CommandMatcher prefix(String prefix) {
        Objects.requireNonNull(prefix);
        return new CommandMatcher("a line starting with " + quote(prefix), line -> line.startsWith(prefix));
    }

    /** Matches what the predicate accepts; the description says what that is (for failure messages). */
    public static CommandMatcher matching(String description, Predicate<String> predicate) {
        return new CommandMatcher(description, predicate);
    }

    /** Returns whether the line is accepted. */
    public boolean matches(String line) {
        return predicate.test(line);
    }

    /** Returns the description, e.g. {@code a line starting with "RCPT TO:<"}. */
    @Override
    public String toString() {
        return description;
    }

    private static String quote(String text) {
        return '"' + text + '"';
    }
}
