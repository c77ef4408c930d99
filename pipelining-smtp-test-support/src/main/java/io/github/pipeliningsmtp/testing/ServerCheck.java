package io.github.pipeliningsmtp.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a test expects of a {@link ScriptedSmtpServer} when it ends (what
 * {@link ScriptedSmtpServerExtension} checks after each test): every connection closed by the client
 * or the script (a leak otherwise), every script finished without a {@link ScriptedSmtpServer#scriptErrors()
 * script error}, and every enqueued script used. Immutable.
 *
 * <p>Every wait is bounded by {@link #timeout()} (default {@link #DEFAULT_TIMEOUT}, 2 s): first for
 * the connections to close, then (only when none leaked) as long again for the scripts to finish, so
 * a check takes at most twice the timeout.
 */
public final class ServerCheck {

    /** The default bound of each wait, 2 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private static final ServerCheck DEFAULTS = new ServerCheck(DEFAULT_TIMEOUT, false);

    private final Duration timeout;
    private final boolean allowUnusedScripts;

    private ServerCheck(Duration timeout, boolean allowUnusedScripts) {
        this.timeout = timeout;
        this.allowUnusedScripts = allowUnusedScripts;
    }

    /** Returns the default check: 2 s per wait, unused scripts are a failure. */
    public static ServerCheck defaults() {
        return DEFAULTS;
    }

    /** Returns a copy that waits at most {@code timeout} for connections to close (and again for scripts). */
    public ServerCheck withTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + timeout);
        }
        return new ServerCheck(timeout, allowUnusedScripts);
    }

    /** Returns a copy for which enqueued scripts that no connection took are (or are not) a failure. */
    public ServerCheck allowUnusedScripts(boolean allow) {
        return new ServerCheck(timeout, allow);
    }

    /** Returns the bound of each wait. */
    public Duration timeout() {
        return timeout;
    }

    /** Returns whether unused enqueued scripts are allowed. */
    public boolean allowsUnusedScripts() {
        return allowUnusedScripts;
    }

    /**
     * Waits (bounded, see the class comment) and returns what is wrong, one line per problem: leaked
     * connections, each script error, unused scripts. Empty when all is well. Does not close the server.
     */
    public List<String> problems(ScriptedSmtpServer server) throws InterruptedException {
        Objects.requireNonNull(server);
        List<String> problems = new ArrayList<>();
        boolean leaked = false;
        try {
            server.awaitNoOpenConnections(timeout);
        } catch (AssertionError e) {
            leaked = true;
            problems.add("leaked connection: " + e.getMessage());
        }
        if (!leaked) {
            try {
                server.awaitScriptsFinished(timeout);
            } catch (AssertionError e) {
                problems.add(e.getMessage());
            }
        }
        for (Throwable error : server.scriptErrors()) {
            problems.add("script error: " + error);
        }
        int pending = server.pendingScripts();
        if (pending > 0 && !allowUnusedScripts) {
            problems.add(pending + " enqueued script(s) never used: fewer connections than scripts");
        }
        return problems;
    }

    /**
     * As {@link #problems}, and throws when there is any.
     *
     * @throws AssertionError listing every problem, with the script errors as suppressed exceptions
     *     (their stack traces show where the script failed)
     */
    public void verify(ScriptedSmtpServer server) throws InterruptedException {
        List<String> problems = problems(server);
        if (!problems.isEmpty()) {
            AssertionError error = new AssertionError(server + ": " + String.join("; ", problems));
            server.scriptErrors().forEach(error::addSuppressed);
            throw error;
        }
    }

    @Override
    public String toString() {
        return "ServerCheck[timeout=" + timeout + ", allowUnusedScripts=" + allowUnusedScripts + "]";
    }
}
