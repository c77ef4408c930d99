package io.github.pipeliningsmtp.testing;

import java.time.Duration;

/** One step of an {@link SmtpScript}; {@link ScriptRunner} executes them in order. */
sealed interface ScriptStep {

    /** Whether the connection is over after this step (no step may follow it). */
    default boolean terminal() {
        return false;
    }

    /** Reads the next command line; it must match (otherwise the fallback or a mismatch). */
    record Expect(CommandMatcher matcher) implements ScriptStep {
        @Override
        public String toString() {
            return "expect " + matcher;
        }
    }

    /** Writes a reply. */
    record Reply(ScriptedReply reply) implements ScriptStep {
        @Override
        public String toString() {
            return reply.toString();
        }
    }

    /** Reads DATA content up to the {@code .} line and stores it with the envelope. */
    record ReadData() implements ScriptStep {
        @Override
        public String toString() {
            return "read DATA content";
        }
    }

    /** Reads the octets named by the BDAT command just matched; at LAST stores the message. */
    record ReadChunk() implements ScriptStep {
        @Override
        public String toString() {
            return "read BDAT chunk";
        }
    }

    /** Flushes and sleeps. */
    record Pause(Duration duration) implements ScriptStep {
        @Override
        public String toString() {
            return "pause " + duration;
        }
    }

    /** Runs arbitrary code on the session. */
    record Perform(SessionScript action) implements ScriptStep {
        @Override
        public String toString() {
            return "perform " + action;
        }
    }

    /** Ends the connection in one of the ways of {@link Ending}. */
    record End(Ending ending) implements ScriptStep {
        @Override
        public boolean terminal() {
            return true;
        }

        @Override
        public String toString() {
            return ending.description;
        }
    }

    /** The ways a script can end a connection. */
    enum Ending {
        CLOSE_FIN("close (FIN)"),
        RESET("reset (RST)"),
        STALL("stall until the client closes"),
        READ_UNTIL_CLOSE("read every line until the client closes");

        final String description;

        Ending(String description) {
            this.description = description;
        }
    }
}
