package io.github.pipeliningsmtp.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One connection's run of a {@link StandardSession}: the command loop and transaction state. */
final class StandardConversation {

    static final String IMPROPER_PIPELINING_REPLY =
            "503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining";
    static final String NO_PIPELINING_REPLY = "500 5.5.1 Invalid command: Pipelining not supported";

    /** Thrown to end the conversation after the session closed the connection. */
    static final class Ended extends RuntimeException {
        Ended() {
            super(null, null, false, false);
        }
    }

    private final StandardSession config;
    private final ServerSession session;
    private final SmtpAuthenticator authenticator;
    private final List<String> held = new ArrayList<>();
    private String mailFrom;
    private final List<String> recipients = new ArrayList<>();
    /** The text (after the code) of the transaction's last refused RCPT reply (for Exim's BDAT reply), or null. */
    private String lastRcptRefusal;
    /** Octets of the transaction's BDAT chunks so far. */
    private final ByteArrayOutputStream chunks = new ByteArrayOutputStream();
    /** Whether a BDAT was taken in this transaction (DATA is then out of sequence). */
    private boolean chunkingStarted;
    /** Keeping the transaction: the reply that refused a non-LAST chunk, repeated to the message's later chunks. */
    private List<String> chunkRefusal;
    private boolean tls;
    private boolean improperPipelining;

    StandardConversation(StandardSession config, ServerSession session) {
        this.config = config;
        this.session = session;
        this.authenticator = new SmtpAuthenticator(config, session, this);
    }

    void run() throws Exception {
        session.reply(config.greeting);
        try {
            String line;
            while ((line = session.readLine()) != null) {
                if (!handle(line)) {
                    return;
                }
            }
        } catch (Ended ended) {
            // the session closed the connection
        }
    }

    /**
     * Handles one command line read by someone else (an {@link SmtpScript} whose fallback this is),
     * without the greeting; returns false when the conversation is over (QUIT, or the session closed
     * the connection).
     */
    boolean handleLine(String line) throws Exception {
        try {
            return handle(line);
        } catch (Ended ended) {
            return false;
        }
    }

    /** Handles one command; returns false when the conversation is over. */
    private boolean handle(String line) throws Exception {
        if (config.commandHook != null) {
            List<String> hooked = config.commandHook.onCommand(session, line);
            if (hooked != null) {
                if (!hooked.isEmpty()) {
                    respond(verb(line), hooked, false);
                }
                return !session.isClosed();
            }
        }
        String verb = verb(line);
        switch (verb) {
            case "EHLO" -> {
                resetTransaction();
                respond(verb, tls ? config.postTlsEhloReply : config.ehloReply, true);
            }
            case "HELO" -> {
                resetTransaction();
                respond(verb, config.heloReply, true);
            }
            case "MAIL" -> mail(line);
            case "RCPT" -> rcpt(line);
            case "DATA" -> data(line);
            case "BDAT" -> {
                if (config.chunking) {
                    bdat(line);
                } else {
                    unknown(line);
                }
            }
            case "RSET" -> {
                resetTransaction();
                respondHeld(verb, reply(config.rsetReply, line,
                        config.keepTransactionAfterFailure ? "250 Reset OK" : "250 2.0.0 Ok"));
            }
            case "NOOP" -> respond(verb, reply(config.noopReply, line, "250 2.0.0 Ok"), true);
            case "QUIT" -> {
                respond(verb, reply(config.quitReply, line, "221 2.0.0 Bye"), true);
                session.closeFin();
                return false;
            }
            case "STARTTLS" -> startTls(line);
            case "AUTH" -> authenticator.auth(line);
            default -> unknown(line);
        }
        return true;
    }

    private void mail(String line) throws Exception {
        List<String> lines;
        if (config.requireAuth && !authenticator.authenticated()) {
            lines = List.of("530 5.7.0 Authentication required");
        } else if (mailFrom != null) {
            lines = List.of(config.keepTransactionAfterFailure ? "503 sender already given"
                    : "503 5.5.1 Error: nested MAIL command");
        } else {
            String address = address(line);
            lines = reply(config.mailReply, address, "250 2.1.0 Ok");
            if (positive(lines)) {
                mailFrom = address;
            }
        }
        respondHeld("MAIL", lines);
    }

    private void rcpt(String line) throws Exception {
        List<String> lines;
        if (mailFrom == null) {
            lines = List.of("503 5.5.1 Error: need MAIL command");
        } else {
            String address = address(line);
            lines = reply(config.rcptReply, address, "250 2.1.5 Ok");
            if (positive(lines)) {
                recipients.add(address);
            } else if (!lines.isEmpty()) {
                String refusal = lines.get(lines.size() - 1);
                lastRcptRefusal = refusal.length() > 4 ? refusal.substring(4) : "";
            }
        }
        respondHeld("RCPT", lines);
    }

    private void data(String line) throws Exception {
        if (mailFrom == null || recipients.isEmpty()) {
            respond("DATA", List.of("554 5.5.1 Error: no valid recipients"), true);
            return;
        }
        if (chunkingStarted) {
            respond("DATA", List.of("503 5.5.1 Error: BDAT in progress"), true);
            return;
        }
        List<String> lines = reply(config.dataReply, line, "354 End data with <CR><LF>.<CR><LF>");
        checkPipelining("DATA", true);
        if (improperPipelining) {
            improperPipelining = false;
            write(List.of(IMPROPER_PIPELINING_REPLY));
            return;
        }
        write(lines);
        if (lines.isEmpty() || !lines.get(lines.size() - 1).startsWith("3")) {
            return;
        }
        byte[] content = session.readData();
        List<String> done = config.endOfDataReply == null ? null
                : config.endOfDataReply.reply(session, new String(content, StandardCharsets.UTF_8));
        if (done == null) {
            done = List.of("250 2.0.0 Ok: queued as " + config.nextQueueId());
        }
        if (positive(done)) {
            session.store(mailFrom, recipients, content);
        }
        resetTransaction();
        respond("end of data", done, true);
    }

    /**
     * {@code BDAT <n> [LAST]} (RFC 3030): the n octets are read first, whatever the reply. Accepted
     * only in a transaction with an accepted recipient; LAST stores the message. See
     * {@link StandardSession.Builder#chunking(boolean)} and
     * {@link StandardSession.Builder#keepTransactionAfterFailure(boolean)}.
     */
    private void bdat(String line) throws Exception {
        String[] words = line.trim().split(" +");
        int size;
        try {
            size = words.length < 2 || words.length > 3 ? -1 : Integer.parseInt(words[1]);
        } catch (NumberFormatException e) {
            size = -1;
        }
        boolean last = words.length == 3 && words[2].equalsIgnoreCase("LAST");
        if (size < 0 || (words.length == 3 && !last)) {
            respond("BDAT", List.of("501 5.5.4 Syntax: BDAT count [LAST]"), false);
            return;
        }
        byte[] octets = session.readExactly(size);
        boolean exim = config.keepTransactionAfterFailure;
        if (chunkRefusal != null) {
            // the rest of a message whose chunk was refused: refused too, up to its LAST chunk
            List<String> lines = chunkRefusal;
            if (last) {
                chunkRefusal = null;
            }
            respond("BDAT", lines, false);
            return;
        }
        if (mailFrom == null || recipients.isEmpty()) {
            List<String> lines = new ArrayList<>();
            if (!exim) {
                lines.add(mailFrom == null ? "503 5.5.1 Error: need RCPT command" : "554 5.5.1 Error: no valid recipients");
            } else {
                if (lastRcptRefusal != null) {
                    lines.add("503-All RCPT commands were rejected with this error:");
                    lines.add("503-" + lastRcptRefusal);
                }
                lines.add("503 Valid RCPT command must precede BDAT");
                discardChunks();
            }
            respond("BDAT", lines, false);
            return;
        }
        chunkingStarted = true;
        chunks.write(octets);
        List<String> lines = config.bdatReply == null ? null : config.bdatReply.reply(session, line);
        if (lines == null && last && config.endOfDataReply != null) {
            lines = config.endOfDataReply.reply(session, chunks.toString(StandardCharsets.UTF_8));
        }
        if (lines == null) {
            if (!last) {
                lines = List.of(exim ? "250 " + size + " byte chunk received" : "250 2.0.0 Ok: " + size + " bytes");
            } else if (exim) {
                lines = List.of("250- " + size + " byte chunk, total " + chunks.size(), "250 OK id=" + config.nextQueueId());
            } else {
                lines = List.of("250 2.0.0 Ok: queued as " + config.nextQueueId());
            }
        }
        if (positive(lines)) {
            if (last) {
                session.store(mailFrom, recipients, chunks.toByteArray());
                resetTransaction();
            }
        } else if (exim) {
            discardChunks();
            if (!last) {
                chunkRefusal = List.copyOf(lines);
            }
        } else {
            resetTransaction();
        }
        respond("BDAT", lines, false);
    }

    private void discardChunks() {
        chunks.reset();
        chunkingStarted = false;
        chunkRefusal = null;
    }

    private void startTls(String line) throws Exception {
        if (config.tlsContext == null || tls) {
            unknown(line);
            return;
        }
        respond("STARTTLS", List.of("220 2.0.0 Ready to start TLS"), true);
        session.startTls(config.tlsContext);
        tls = true;
        resetTransaction();
        authenticator.reset();
    }

    private void unknown(String line) throws Exception {
        respond(verb(line), reply(config.unknownCommandReply, line, "500 5.5.2 Syntax error"), false);
    }

    /** Writes held replies and these lines in one write, after the pipelining checks. */
    void respond(String command, List<String> lines, boolean lastInGroup) throws IOException, InterruptedException {
        checkPipelining(command, lastInGroup);
        write(lines);
    }

    private void respondHeld(String command, List<String> lines) throws IOException, InterruptedException {
        if (config.holdRepliesUntilData) {
            held.addAll(lines);
        } else {
            respond(command, lines, false);
        }
    }

    private void write(List<String> lines) throws IOException {
        List<String> all = new ArrayList<>(held);
        held.clear();
        all.addAll(lines);
        if (!all.isEmpty()) {
            session.reply(all);
        }
    }

    private void checkPipelining(String command, boolean lastInGroup) throws IOException, InterruptedException {
        boolean strict = config.strictPipelining && lastInGroup;
        if (!strict && !config.noPipelining) {
            return;
        }
        if (!config.pipeliningCheckDelay.isZero()) {
            Thread.sleep(config.pipeliningCheckDelay.toMillis());
        }
        if (!session.inputBuffered()) {
            return;
        }
        if (config.noPipelining) {
            session.event("pipelining not supported: input buffered after " + command);
            write(List.of(NO_PIPELINING_REPLY));
            session.closeFin();
            throw new Ended();
        }
        session.event("improper pipelining after " + command);
        improperPipelining = true;
    }

    private void resetTransaction() {
        mailFrom = null;
        recipients.clear();
        lastRcptRefusal = null;
        discardChunks();
    }

    private List<String> reply(ReplyFunction function, String input, String defaultLine) throws Exception {
        List<String> lines = function == null ? null : function.reply(session, input);
        return lines != null ? lines : List.of(defaultLine);
    }

    static boolean positive(List<String> lines) {
        return !lines.isEmpty() && lines.get(lines.size() - 1).startsWith("2");
    }

    static String verb(String line) {
        int space = line.indexOf(' ');
        return (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    /** Extracts the path of {@code MAIL FROM:<a@b> ...} / {@code RCPT TO:<c@d>}: the text inside the brackets. */
    static String address(String line) {
        int colon = line.indexOf(':');
        String rest = colon < 0 ? "" : line.substring(colon + 1).trim();
        if (rest.startsWith("<")) {
            int end = rest.indexOf('>');
            return end < 0 ? rest.substring(1) : rest.substring(1, end);
        }
        int space = rest.indexOf(' ');
        return space < 0 ? rest : rest.substring(0, space);
    }
}
