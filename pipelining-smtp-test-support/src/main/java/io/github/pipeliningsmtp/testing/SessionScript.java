package io.github.pipeliningsmtp.testing;

/**
 * What a {@link ScriptedSmtpServer} does on one accepted connection. The script runs on the
 * connection's own thread; when it returns without closing the connection, the server keeps reading
 * (without replying) until the client closes, recording each line as an event
 * {@code "after script: <line>"}.
 */
@FunctionalInterface
public interface SessionScript {

    /**
     * Runs the conversation on one connection. An {@link java.io.EOFException} or a
     * {@link java.net.SocketException} (client went away) is expected and not recorded as a script
     * error; any other exception is recorded in {@link ScriptedSmtpServer#scriptErrors()}.
     */
    void run(ServerSession session) throws Exception;
}
