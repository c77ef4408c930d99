package io.github.pipeliningsmtp.testing;

import java.util.List;

/**
 * Computes the reply a {@link StandardSession} gives to one command, replacing its default reply.
 */
@FunctionalInterface
public interface ReplyFunction {

    /**
     * Returns the reply lines (without CRLF), or null for the standard session's default reply.
     *
     * @param session the connection
     * @param input for MAIL and RCPT the address inside the angle brackets (empty for {@code <>}); for
     *     end of data the message content as UTF-8 text; for other commands the command line
     */
    List<String> reply(ServerSession session, String input) throws Exception;

    /** Returns a function that always gives the given reply lines. */
    static ReplyFunction always(String... lines) {
        List<String> reply = List.of(lines);
        return (session, input) -> reply;
    }
}
