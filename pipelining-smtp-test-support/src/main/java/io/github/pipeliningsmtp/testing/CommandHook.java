package io.github.pipeliningsmtp.testing;

import java.util.List;

/**
 * Sees every command line a {@link StandardSession} reads before the standard handling, so that a
 * test can add behaviour (or state) without new flags.
 */
@FunctionalInterface
public interface CommandHook {

    /**
     * Handles a command line.
     *
     * @return null to let the standard session handle the command; an empty list when the hook
     *     handled it completely (it may have used the session to read and write); otherwise the reply
     *     lines to write instead of the standard handling (after any held replies, in one write)
     */
    List<String> onCommand(ServerSession session, String line) throws Exception;
}
