package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;

/**
 * Shared set-up of the client tests against an Exim-like server
 * ({@link StandardSession.Builder#keepTransactionAfterFailure(boolean)}): after a transaction that
 * did not end with a 2xx to its content, the server keeps the old sender, so the client must send
 * RSET (and read its reply) before the next MAIL FROM, or the next message is refused at MAIL FROM
 * and its content goes into the old transaction, under the old sender.
 *
 * <p>Message {@code i} has its own sender ({@code sender-i@example.com}, or
 * {@code refused-sender-i@example.com} when it is to be refused), one recipient
 * ({@code rcpt-i@example.net}, or two {@code refused-i-a/b@example.net} when every RCPT is to be
 * refused) and the header {@code X-Seq: i}, so that each stored message tells which message's
 * content it is and under which message's sender it was delivered.
 */
public final class KeptTransactionScenario {

    /** How the server talks, and therefore how the client sends content. */
    public enum Mode {
        /** PIPELINING, no CHUNKING: pipelined DATA. */
        DATA_PIPELINED(false, true),
        /** Neither: one command at a time, DATA (the server drops a client that pipelines). */
        DATA_ONE_AT_A_TIME(false, false),
        /** CHUNKING and PIPELINING: BDAT, up to max-messages-in-flight messages per flight. */
        BDAT_PIPELINED(true, true),
        /** CHUNKING without PIPELINING: the client sends DATA one command at a time. */
        CHUNKING_WITHOUT_PIPELINING(true, false);

        final boolean chunking;
        final boolean pipelining;

        Mode(boolean chunking, boolean pipelining) {
            this.chunking = chunking;
            this.pipelining = pipelining;
        }

        /** Whether the client is expected to send BDAT (otherwise DATA). */
        public boolean bdat() {
            return chunking && pipelining;
        }
    }

    /** Where the server refuses a designated message. */
    public enum Refusal {
        /** {@code 550 5.7.1 Sender rejected} to MAIL FROM. */
        MAIL,
        /** {@code 550 5.1.1 User unknown} to every RCPT TO (two recipients). */
        EVERY_RCPT,
        /** {@code 451 4.3.0 Try again later} to DATA, or {@code 554 5.6.0 Bad chunk} to the first (non-LAST) BDAT chunk. */
        CONTENT_COMMAND,
        /** {@code 550 5.7.1 Content rejected} to the end of data or the LAST chunk. */
        END_OF_DATA
    }

    private static final Pattern SEQ = Pattern.compile("MAIL FROM:<(?:refused-)?sender-(\\d+)@example\\.com>");

    private KeptTransactionScenario() {
    }

    /** The Exim-like session for the mode, refusing designated messages (marked by their addresses or content) at the given point. */
    public static StandardSession session(Mode mode, Refusal refusal) {
        // per connection: the sender of the last MAIL FROM line seen, and the BDAT chunks since
        Map<Integer, String> lastSender = new ConcurrentHashMap<>();
        Map<Integer, AtomicInteger> chunksSinceMail = new ConcurrentHashMap<>();
        StandardSession.Builder b = StandardSession.builder()
                .keepTransactionAfterFailure(true)
                .chunking(mode.chunking)
                .noPipelining(!mode.pipelining)
                .commandHook((s, line) -> {
                    String upper = line.toUpperCase(java.util.Locale.ROOT);
                    if (upper.startsWith("MAIL FROM:")) {
                        lastSender.put(s.connectionIndex(), line);
                        chunksSinceMail.put(s.connectionIndex(), new AtomicInteger());
                    } else if (upper.startsWith("BDAT ")) {
                        chunksSinceMail.computeIfAbsent(s.connectionIndex(), k -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                });
        switch (refusal) {
            case MAIL -> b.mailReply((s, address) -> address.startsWith("refused-")
                    ? List.of("550 5.7.1 Sender rejected") : null);
            case EVERY_RCPT -> b.rcptReply((s, address) -> address.startsWith("refused-")
                    ? List.of("550 5.1.1 User unknown") : null);
            case CONTENT_COMMAND -> {
                b.dataReply((s, line) -> lastSender.getOrDefault(s.connectionIndex(), "").contains("<refused-")
                        ? List.of("451 4.3.0 Try again later") : null);
                b.bdatReply((s, line) -> lastSender.getOrDefault(s.connectionIndex(), "").contains("<refused-")
                        && !line.toUpperCase(java.util.Locale.ROOT).endsWith(" LAST")
                        && chunksSinceMail.get(s.connectionIndex()).get() == 1
                        ? List.of("554 5.6.0 Bad chunk") : null);
            }
            case END_OF_DATA -> b.endOfDataReply((s, content) -> content.contains("\r\nX-Refuse: yes\r\n")
                    ? List.of("550 5.7.1 Content rejected") : null);
            default -> throw new IllegalArgumentException(refusal.toString());
        }
        return b.build();
    }

    /** Settings for the scenario: the test resolver and timeouts. */
    public static ConnectionSettings.Builder settings(ScriptedSmtpServer server) {
        return ClientFixtures.settings(server);
    }

    /** Sending options for the scenario: chunks of 256 octets (each message has several). */
    public static SendingOptions.Builder options() {
        return SendingOptions.builder().chunkSize(256);
    }

    /** Messages {@code from} to {@code to - 1}; those in {@code refused} are marked to be refused at the given point. */
    public static List<OutgoingMessage> messages(int from, int to, Set<Integer> refused, Refusal refusal) {
        List<OutgoingMessage> list = new ArrayList<>();
        for (int i = from; i < to; i++) {
            boolean r = refused.contains(i);
            String sender = (r ? "refused-" : "") + "sender-" + i + "@example.com";
            String[] to2 = r && refusal == Refusal.EVERY_RCPT
                    ? new String[] {"refused-" + i + "-a@example.net", "refused-" + i + "-b@example.net"}
                    : new String[] {"rcpt-" + i + "@example.net"};
            String content = "From: " + sender + "\r\nTo: " + String.join(", ", to2) + "\r\nSubject: message " + i
                    + "\r\nX-Seq: " + i + "\r\n" + (r && refusal == Refusal.END_OF_DATA ? "X-Refuse: yes\r\n" : "")
                    + "\r\n" + ClientFixtures.body(700);
            list.add(new OutgoingMessage(Envelope.of(sender, to2),
                    MessageContent.of(content.getBytes(StandardCharsets.UTF_8))));
        }
        return list;
    }

    /** Counts the RSET replies the client read. */
    public static final class RsetReplies implements SmtpListener {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public void replyReceived(String command, SmtpReply reply) {
            if (command.equals("RSET")) {
                count.incrementAndGet();
            }
        }

        public int count() {
            return count.get();
        }
    }

    /**
     * Asserts (softly, so that every broken rule is reported):
     *
     * <ul>
     *   <li>the ledger rule: on every connection, a MAIL FROM that follows a transaction that did not
     *       end with a 2xx to its content (its message was not stored) comes after an RSET, and every
     *       RSET written got its reply read. A DATA end of data is the exception: its reply, whatever
     *       it is, ends the transaction (RFC 5321 §4.1.1.4; the server here, like Exim and Postfix,
     *       resets after it), so a client that wrote the next envelope before that reply came need
     *       not reset; a refused LAST chunk (BDAT) is no such exception;
     *   <li>no message is stored twice; every stored message carries its own envelope sender;
     *   <li>no recipient of a stored message is FAILED (or UNKNOWN); every designated message is
     *       FAILED and not stored, every other one SUCCEEDED and stored once;
     *   <li>the content went as BDAT or DATA as the mode says, and the server saw no improper
     *       pipelining.
     * </ul>
     *
     * @param messages every message sent, message i at index i
     * @param ledgers their ledgers, in the same order
     */
    public static void assertLedgerRule(ScriptedSmtpServer server, Mode mode, Refusal refusal,
                                        List<OutgoingMessage> messages, List<MessageLedger> ledgers,
                                        Set<Integer> refused, RsetReplies rsets) {
        boolean endOfDataEnds = refusal == Refusal.END_OF_DATA && !mode.bdat();
        SoftAssertions softly = new SoftAssertions();
        Map<Integer, List<StoredMessage>> stored = new HashMap<>();
        for (StoredMessage m : server.messages()) {
            int seq = Integer.parseInt(m.header("X-Seq").orElseThrow());
            stored.computeIfAbsent(seq, k -> new ArrayList<>()).add(m);
        }
        List<String> violations = new ArrayList<>();
        int rsetCommands = 0;
        for (int c = 0; c < server.connectionCount(); c++) {
            Integer previous = null;
            boolean rsetSince = false;
            for (RecordedCommand command : server.commands(c)) {
                String verb = command.verb();
                if (verb.equals("RSET")) {
                    rsetSince = true;
                    rsetCommands++;
                } else if (verb.equals("MAIL")) {
                    Matcher matcher = SEQ.matcher(command.line());
                    int seq = matcher.lookingAt() ? Integer.parseInt(matcher.group(1)) : -1;
                    if (previous != null && !stored.containsKey(previous) && !rsetSince && !endOfDataEnds) {
                        violations.add("connection " + c + ": MAIL FROM of message " + seq + " right after message "
                                + previous + "'s failed transaction, without RSET");
                    }
                    previous = seq;
                    rsetSince = false;
                }
            }
        }
        softly.assertThat(violations).as("ledger rule: RSET before the next MAIL FROM after a failed transaction")
                .isEmpty();
        softly.assertThat(rsets.count()).as("RSET replies read by the client (RSETs written: %d)", rsetCommands)
                .isEqualTo(rsetCommands);
        List<String> twice = new ArrayList<>();
        List<String> wrongSender = new ArrayList<>();
        stored.forEach((seq, copies) -> {
            if (copies.size() > 1) {
                twice.add("message " + seq + " stored " + copies.size() + " times");
            }
            String own = messages.get(seq).envelope().mailFrom();
            for (StoredMessage m : copies) {
                if (!m.mailFrom().equals(own)) {
                    wrongSender.add("message " + seq + " stored under the envelope sender " + m.mailFrom()
                            + " instead of " + own);
                }
            }
        });
        softly.assertThat(twice).as("messages stored twice").isEmpty();
        softly.assertThat(wrongSender).as("stored messages without their own envelope sender").isEmpty();
        List<String> failedButStored = new ArrayList<>();
        List<String> wrongOutcome = new ArrayList<>();
        for (int i = 0; i < ledgers.size(); i++) {
            MessageLedger ledger = ledgers.get(i);
            if (stored.containsKey(i) && ledger.count(RecipientStatus.SUCCEEDED) != ledger.recipients().size()) {
                failedButStored.add("message " + i + " stored but " + ledger.recipients());
            }
            boolean expectStored = !refused.contains(i);
            MessageStatus expected = expectStored ? MessageStatus.SUCCEEDED : MessageStatus.FAILED;
            if (ledger.status() != expected || stored.containsKey(i) != expectStored) {
                wrongOutcome.add("message " + i + ": " + ledger.status() + (stored.containsKey(i) ? ", stored" : ", not stored")
                        + ", expected " + expected + (expectStored ? ", stored" : ", not stored"));
            }
        }
        softly.assertThat(failedButStored).as("recipients FAILED (or UNKNOWN) whose message the server stored").isEmpty();
        softly.assertThat(wrongOutcome).as("outcome per message").isEmpty();
        List<String> verbs = server.commands().stream().map(RecordedCommand::verb).toList();
        softly.assertThat(verbs).as("content command").contains(mode.bdat() ? "BDAT" : "DATA")
                .doesNotContain(mode.bdat() ? "DATA" : "BDAT");
        softly.assertThat(server.events()).as("server events (improper pipelining, stray input)").isEmpty();
        softly.assertAll();
    }
}
