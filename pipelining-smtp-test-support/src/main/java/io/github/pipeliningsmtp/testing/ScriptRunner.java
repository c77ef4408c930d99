package io.github.pipeliningsmtp.testing;

import java.io.ByteArrayOutputStream;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Runs one {@link SmtpScript} on one connection, tracking the envelope for the messages it stores. */
final class ScriptRunner {

    private final List<ScriptStep> steps;
    private final ServerSession session;
    private final StandardConversation fallback;
    /** The line the last expect step matched. */
    private String matched;
    /** An envelope change the next reply commits when it is positive (2xx). */
    private Runnable pending;
    private String mailFrom;
    private final List<String> recipients = new ArrayList<>();
    private final ByteArrayOutputStream chunks = new ByteArrayOutputStream();

    ScriptRunner(List<ScriptStep> steps, StandardSession fallback, ServerSession session) {
        this.steps = steps;
        this.session = session;
        this.fallback = fallback == null ? null : new StandardConversation(fallback, session);
    }

    void run() throws Exception {
        for (int i = 0; i < steps.size(); i++) {
            execute(i, steps.get(i));
            if (steps.get(i).terminal()) {
                return;
            }
        }
        if (fallback != null) {
            String line;
            while ((line = session.readLine()) != null && fallback.handleLine(line)) {
                // the standard session answers the rest
            }
            return;
        }
        String line;
        try {
            line = session.readLine();
        } catch (SocketException e) {
            return;
        }
        if (line != null) {
            throw mismatch(steps.size(), "the client to close (no step left)", line, null);
        }
    }

    private void execute(int index, ScriptStep step) throws Exception {
        if (step instanceof ScriptStep.Expect expect) {
            expect(index, expect.matcher());
        } else if (step instanceof ScriptStep.Reply reply) {
            reply.reply().writeTo(session);
            if (pending != null && reply.reply().positive()) {
                pending.run();
            }
            pending = null;
        } else if (step instanceof ScriptStep.ReadData) {
            store(session.readData());
        } else if (step instanceof ScriptStep.ReadChunk) {
            readChunk(index);
        } else if (step instanceof ScriptStep.Pause pause) {
            session.pause(pause.duration());
        } else if (step instanceof ScriptStep.Perform perform) {
            perform.action().run(session);
        } else if (step instanceof ScriptStep.End end) {
            end(end.ending());
        }
    }

    private void expect(int index, CommandMatcher matcher) throws Exception {
        while (true) {
            String line;
            try {
                line = session.readLine();
            } catch (SocketException e) {
                throw mismatch(index, matcher.toString(), null, "a connection error (" + e.getMessage() + ")");
            }
            if (line == null) {
                throw mismatch(index, matcher.toString(), null, "end of stream");
            }
            if (matcher.matches(line)) {
                matched(line);
                return;
            }
            if (fallback == null) {
                throw mismatch(index, matcher.toString(), line, null);
            }
            if (!fallback.handleLine(line)) {
                throw mismatch(index, matcher.toString(), null, "the end of the standard session after \"" + line + "\"");
            }
        }
    }

    private void matched(String line) {
        matched = line;
        String upper = line.toUpperCase(Locale.ROOT);
        if (upper.startsWith("MAIL FROM:")) {
            String address = address(line);
            pending = () -> {
                clearEnvelope();
                mailFrom = address;
            };
        } else if (upper.startsWith("RCPT TO:")) {
            String address = address(line);
            pending = () -> recipients.add(address);
        } else if (upper.equals("RSET") || upper.startsWith("EHLO ") || upper.startsWith("HELO ")) {
            pending = this::clearEnvelope;
        } else {
            pending = null;
        }
    }

    private void readChunk(int index) throws Exception {
        String[] words = matched == null ? new String[0] : matched.split(" ");
        boolean bdat = words.length >= 2 && words[0].equalsIgnoreCase("BDAT") && words[1].matches("[0-9]{1,9}")
                && (words.length == 2 || (words.length == 3 && words[2].equalsIgnoreCase("LAST")));
        if (!bdat) {
            throw mismatch(index, "a matched \"BDAT <n> [LAST]\" before reading a chunk", matched, "no command");
        }
        chunks.writeBytes(session.readExactly(Integer.parseInt(words[1])));
        if (words.length == 3) {
            store(chunks.toByteArray());
        }
    }

    private void store(byte[] content) {
        session.store(mailFrom, List.copyOf(recipients), content);
        clearEnvelope();
    }

    private void clearEnvelope() {
        mailFrom = null;
        recipients.clear();
        chunks.reset();
    }

    private void end(ScriptStep.Ending ending) throws Exception {
        switch (ending) {
            case CLOSE_FIN -> session.closeFin();
            case RESET -> session.closeRst();
            case STALL -> session.stallUntilClientCloses();
            case READ_UNTIL_CLOSE -> {
                try {
                    while (session.readLine() != null) {
                        // recorded as commands
                    }
                } catch (SocketException e) {
                    // the client reset the connection: it is closed as well
                }
            }
        }
    }

    private ScriptMismatchError mismatch(int index, String expected, String actual, String ending) {
        return new ScriptMismatchError(session.connectionIndex(), index, steps.size(), expected, actual, ending);
    }

    private static String address(String line) {
        int colon = line.indexOf(':');
        int lt = line.indexOf('<', colon);
        int gt = lt < 0 ? -1 : line.indexOf('>', lt);
        return lt >= 0 && gt > lt ? line.substring(lt + 1, gt) : line.substring(colon + 1).trim();
    }
}
