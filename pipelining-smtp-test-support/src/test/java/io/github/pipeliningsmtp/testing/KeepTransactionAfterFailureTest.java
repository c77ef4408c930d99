package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link StandardSession.Builder#keepTransactionAfterFailure(boolean)} (Exim 4.96): a failed
 * transaction stays open, so the next MAIL FROM without RSET is refused and the next message goes
 * into the old transaction, under the old sender. Each rule with DATA and with BDAT, pipelined (one
 * write per group, the server advertising PIPELINING) and one command at a time (a server without
 * PIPELINING that drops clients that pipeline). With the option off, the chunking session behaves
 * like the default one.
 */
class KeepTransactionAfterFailureTest {

    private static final String UNKNOWN_USER = "550 5.1.1 User unknown";
    private static final List<String> EXIM_BDAT_NO_RCPT = List.of(
            "503-All RCPT commands were rejected with this error:",
            "503-5.1.1 User unknown",
            "503 Valid RCPT command must precede BDAT");
    private static final String NO_VALID_RECIPIENTS = "554 5.5.1 Error: no valid recipients";
    private static final String SENDER_ALREADY_GIVEN = "503 sender already given";

    private ScriptedSmtpServer server;

    @BeforeEach
    void start() throws IOException {
        server = ScriptedSmtpServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.awaitScriptsFinished(Duration.ofSeconds(5));
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.events()).as("no pipelining violation, no stray input").isEmpty();
        server.close();
    }

    /** Exim-like: CHUNKING, the option on; recipients starting with "bad" refused with 550 5.1.1. */
    private static StandardSession.Builder exim(boolean pipelined) {
        return StandardSession.builder()
                .chunking(true)
                .keepTransactionAfterFailure(true)
                .noPipelining(!pipelined)
                .rcptReply((s, address) -> address.startsWith("bad") ? List.of(UNKNOWN_USER) : null);
    }

    private TestClient connect(StandardSession session) throws IOException {
        server.enqueue(session);
        TestClient client = TestClient.connect(server.host(), server.port());
        assertThat(client.reply()).startsWith("220 ");
        client.send("EHLO me");
        List<String> ehlo = client.readReply();
        assertThat(ehlo).contains("250-CHUNKING");
        assertThat(ehlo.contains("250-PIPELINING")).isEqualTo(!session.noPipelining);
        return client;
    }

    private static String cmd(String line) {
        return line + "\r\n";
    }

    private static String bdat(String octets, boolean last) {
        return "BDAT " + octets.getBytes(StandardCharsets.UTF_8).length + (last ? " LAST" : "") + "\r\n" + octets;
    }

    /** The content of a message after its DATA got 354 (no dot-stuffing needed for these bodies). */
    private static String dataContent(String body) {
        return body + ".\r\n";
    }

    /**
     * Sends the units (command lines, BDAT commands with their octets) in one write when pipelined,
     * otherwise one at a time, each after the previous reply; returns every reply, in order.
     */
    private static List<List<String>> exchange(TestClient client, boolean pipelined, String... units)
            throws IOException {
        List<List<String>> replies = new ArrayList<>();
        if (pipelined) {
            client.sendRaw(String.join("", units));
            for (int i = 0; i < units.length; i++) {
                replies.add(client.readReply());
            }
        } else {
            for (String unit : units) {
                client.sendRaw(unit);
                replies.add(client.readReply());
            }
        }
        return replies;
    }

    /** Sends the message's content: DATA then its body, or one BDAT LAST; returns the final reply. */
    private static List<String> content(TestClient client, boolean pipelined, boolean bdat, String body,
            String... envelope) throws IOException {
        List<String> units = new ArrayList<>();
        for (String line : envelope) {
            units.add(cmd(line));
        }
        units.add(bdat ? bdat(body, true) : cmd("DATA"));
        List<List<String>> replies = exchange(client, pipelined, units.toArray(new String[0]));
        List<String> last = replies.get(replies.size() - 1);
        if (bdat || !last.get(0).startsWith("354")) {
            return last;
        }
        return exchange(client, pipelined, dataContent(body)).get(0);
    }

    private static List<String> lastLines(List<List<String>> replies) {
        return replies.stream().map(r -> r.get(r.size() - 1)).toList();
    }

    private static void quit(TestClient client) throws IOException {
        client.send("QUIT");
        assertThat(client.reply()).startsWith("221 ");
    }

    // Rule 1: every RCPT refused: DATA gets 554 / BDAT gets Exim's three-line 503 (octets discarded), the sender stays.

    @ParameterizedTest(name = "{0}, pipelined={1}")
    @CsvSource({"DATA,true", "DATA,false", "BDAT,true", "BDAT,false"})
    void everyRcptRefused_contentCommandRefused_andTheSenderIsKept(String kind, boolean pipelined) throws Exception {
        boolean bdat = kind.equals("BDAT");
        try (TestClient client = connect(exim(pipelined).build())) {
            List<List<String>> replies = exchange(client, pipelined, cmd("MAIL FROM:<old@example.com>"),
                    cmd("RCPT TO:<bad1@example.net>"), cmd("RCPT TO:<bad2@example.net>"),
                    bdat ? bdat("Subject: one\r\n\r\nbody\r\n", true) : cmd("DATA"));
            assertThat(lastLines(replies.subList(0, 3))).containsExactly("250 2.1.0 Ok", UNKNOWN_USER, UNKNOWN_USER);
            assertThat(replies.get(3)).isEqualTo(bdat ? EXIM_BDAT_NO_RCPT : List.of(NO_VALID_RECIPIENTS));
            // the BDAT octets were read and discarded (not taken as commands): NOOP is the next command
            replies = exchange(client, pipelined, cmd("NOOP"), cmd("MAIL FROM:<new@example.com>"));
            assertThat(lastLines(replies)).containsExactly("250 2.0.0 Ok", SENDER_ALREADY_GIVEN);
            quit(client);
        }
        assertThat(server.messages()).isEmpty();
    }

    @ParameterizedTest(name = "pipelined={0}")
    @ValueSource(booleans = {true, false})
    void bdatWithoutAnyRcptGetsOnlyTheLastLine(boolean pipelined) throws Exception {
        try (TestClient client = connect(exim(pipelined).build())) {
            List<List<String>> replies = exchange(client, pipelined, cmd("MAIL FROM:<old@example.com>"),
                    bdat("x", false), bdat("y", true));
            assertThat(replies.get(1)).containsExactly("503 Valid RCPT command must precede BDAT");
            assertThat(replies.get(2)).containsExactly("503 Valid RCPT command must precede BDAT");
            assertThat(exchange(client, pipelined, cmd("MAIL FROM:<new@example.com>")).get(0))
                    .containsExactly(SENDER_ALREADY_GIVEN);
            quit(client);
        }
        assertThat(server.messages()).isEmpty();
    }

    // Rule 2: a refused BDAT chunk (for any reason) keeps the transaction open; a refused DATA command too.

    @ParameterizedTest(name = "refused={0}, pipelined={1}")
    @CsvSource({"first chunk,true", "first chunk,false", "LAST chunk,true", "LAST chunk,false"})
    void aRefusedChunkKeepsTheTransaction(String refused, boolean pipelined) throws Exception {
        StandardSession session = exim(pipelined)
                .bdatReply((s, line) -> line.equals("BDAT 7") ? List.of("554 5.6.0 Bad chunk") : null)
                .endOfDataReply((s, content) -> content.contains("reject") ? List.of("550 5.7.1 Content rejected") : null)
                .build();
        try (TestClient client = connect(session)) {
            List<List<String>> replies;
            if (refused.equals("first chunk")) {
                replies = exchange(client, pipelined, cmd("MAIL FROM:<old@example.com>"), cmd("RCPT TO:<one@example.net>"),
                        bdat("chunk-1", false), bdat("chunk-two", false), bdat("chunk-3\r\n", true));
                // the message's later chunks get the same refusal and are discarded, up to its LAST
                assertThat(lastLines(replies)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "554 5.6.0 Bad chunk",
                        "554 5.6.0 Bad chunk", "554 5.6.0 Bad chunk");
            } else {
                replies = exchange(client, pipelined, cmd("MAIL FROM:<old@example.com>"), cmd("RCPT TO:<one@example.net>"),
                        bdat("part-1", false), bdat("please reject\r\n", true));
                assertThat(lastLines(replies)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "250 6 byte chunk received",
                        "550 5.7.1 Content rejected");
            }
            // the transaction stays open: the next message goes into it, under the old sender
            replies = exchange(client, pipelined, cmd("MAIL FROM:<new@example.com>"), cmd("RCPT TO:<two@example.net>"),
                    bdat("second\r\n", true));
            assertThat(lastLines(replies)).containsExactly(SENDER_ALREADY_GIVEN, "250 2.1.5 Ok", "250 OK id=Q1");
            assertThat(replies.get(2)).containsExactly("250- 8 byte chunk, total 8", "250 OK id=Q1");
            quit(client);
        }
        // the old sender, the old recipient as well, and only the new content
        assertThat(server.messages()).singleElement().satisfies(m -> {
            assertThat(m.mailFrom()).isEqualTo("old@example.com");
            assertThat(m.recipients()).containsExactly("one@example.net", "two@example.net");
            assertThat(m.contentAsString()).isEqualTo("second\r\n");
        });
    }

    @ParameterizedTest(name = "pipelined={0}")
    @ValueSource(booleans = {true, false})
    void aRefusedDataCommandKeepsTheTransactionButARefusedEndOfDataEndsIt(boolean pipelined) throws Exception {
        int[] datas = {0};
        StandardSession session = exim(pipelined).chunking(false)
                .dataReply((s, line) -> ++datas[0] == 1 ? List.of("451 4.3.0 Try again") : null)
                .endOfDataReply((s, content) -> content.contains("reject") ? List.of("550 5.7.1 Content rejected") : null)
                .build();
        server.enqueue(session);
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("EHLO me");
            client.readReply();
            assertThat(content(client, pipelined, false, "x\r\n", "MAIL FROM:<old@example.com>", "RCPT TO:<one@example.net>"))
                    .containsExactly("451 4.3.0 Try again");
            assertThat(content(client, pipelined, false, "please reject\r\n", "MAIL FROM:<new@example.com>"))
                    .containsExactly("550 5.7.1 Content rejected");
            // like Exim, the end of DATA content ends the transaction whatever its reply
            assertThat(content(client, pipelined, false, "third\r\n", "MAIL FROM:<third@example.com>",
                    "RCPT TO:<three@example.net>")).singleElement().asString().startsWith("250 ");
            quit(client);
        }
        assertThat(server.messages()).singleElement().satisfies(m -> {
            assertThat(m.mailFrom()).isEqualTo("third@example.com");
            assertThat(m.recipients()).containsExactly("three@example.net");
        });
    }

    // Rule 3: MAIL FROM without RSET gets 503, and the next message is delivered under the OLD sender.

    @ParameterizedTest(name = "{0}, pipelined={1}")
    @CsvSource({"DATA,true", "DATA,false", "BDAT,true", "BDAT,false"})
    void theNextMessageWithoutRsetGoesIntoTheOldTransactionUnderTheOldSender(String kind, boolean pipelined)
            throws Exception {
        boolean bdat = kind.equals("BDAT");
        try (TestClient client = connect(exim(pipelined).chunking(true).build())) {
            List<String> first = content(client, pipelined, bdat, "Subject: first\r\n\r\none\r\n",
                    "MAIL FROM:<old@example.com>", "RCPT TO:<bad1@example.net>");
            assertThat(first).isEqualTo(bdat ? EXIM_BDAT_NO_RCPT : List.of(NO_VALID_RECIPIENTS));
            List<String> units = new ArrayList<>(List.of(cmd("MAIL FROM:<new@example.com>"), cmd("RCPT TO:<good@example.net>")));
            units.add(bdat ? bdat("Subject: second\r\n\r\ntwo\r\n", true) : cmd("DATA"));
            List<List<String>> replies = exchange(client, pipelined, units.toArray(new String[0]));
            assertThat(lastLines(replies).subList(0, 2)).containsExactly(SENDER_ALREADY_GIVEN, "250 2.1.5 Ok");
            if (bdat) {
                assertThat(replies.get(2)).containsExactly("250- 24 byte chunk, total 24", "250 OK id=Q1");
            } else {
                assertThat(replies.get(2).get(0)).startsWith("354 ");
                assertThat(exchange(client, pipelined, dataContent("Subject: second\r\n\r\ntwo\r\n")).get(0))
                        .containsExactly("250 2.0.0 Ok: queued as Q1");
            }
            // a successful end of data ends the transaction: the next MAIL FROM is accepted
            assertThat(exchange(client, pipelined, cmd("MAIL FROM:<third@example.com>")).get(0))
                    .containsExactly("250 2.1.0 Ok");
            quit(client);
        }
        assertThat(server.messages()).singleElement().satisfies(m -> {
            assertThat(m.mailFrom()).as("delivered under the previous message's sender").isEqualTo("old@example.com");
            assertThat(m.recipients()).containsExactly("good@example.net");
            assertThat(m.header("Subject")).contains("second");
        });
    }

    // Rule 4: RSET clears the kept transaction (250 Reset OK), as does a successful end of data.

    @ParameterizedTest(name = "{0}, pipelined={1}")
    @CsvSource({"DATA,true", "DATA,false", "BDAT,true", "BDAT,false"})
    void rsetClearsTheKeptTransaction(String kind, boolean pipelined) throws Exception {
        boolean bdat = kind.equals("BDAT");
        try (TestClient client = connect(exim(pipelined).build())) {
            content(client, pipelined, bdat, "Subject: first\r\n\r\none\r\n", "MAIL FROM:<old@example.com>",
                    "RCPT TO:<bad1@example.net>");
            List<List<String>> replies = exchange(client, pipelined, cmd("RSET"), cmd("MAIL FROM:<new@example.com>"));
            assertThat(lastLines(replies)).containsExactly("250 Reset OK", "250 2.1.0 Ok");
            assertThat(content(client, pipelined, bdat, "Subject: second\r\n\r\ntwo\r\n", "RCPT TO:<good@example.net>"))
                    .last().asString().startsWith("250 ");
            assertThat(content(client, pipelined, bdat, "Subject: third\r\n\r\nthree\r\n", "MAIL FROM:<third@example.com>",
                    "RCPT TO:<good@example.net>")).last().asString().startsWith("250 ");
            quit(client);
        }
        assertThat(server.messages()).extracting(StoredMessage::mailFrom)
                .containsExactly("new@example.com", "third@example.com");
    }

    // Rule 5: an accepted BDAT LAST gets one two-line reply; other chunks "250 <n> byte chunk received".

    @ParameterizedTest(name = "pipelined={0}")
    @ValueSource(booleans = {true, false})
    void anAcceptedLastChunkGetsTheTwoLineReply(boolean pipelined) throws Exception {
        try (TestClient client = connect(exim(pipelined).build())) {
            List<List<String>> replies = exchange(client, pipelined, cmd("MAIL FROM:<a@example.com>"),
                    cmd("RCPT TO:<b@example.net>"), bdat("Subject: s\r\n\r\n", false), bdat("body\r\n", true),
                    cmd("MAIL FROM:<c@example.com>"), cmd("RCPT TO:<d@example.net>"), bdat("", false), bdat("x\r\n", true));
            assertThat(replies.get(2)).containsExactly("250 14 byte chunk received");
            assertThat(replies.get(3)).containsExactly("250- 6 byte chunk, total 20", "250 OK id=Q1");
            assertThat(replies.get(4)).containsExactly("250 2.1.0 Ok");
            assertThat(replies.get(6)).containsExactly("250 0 byte chunk received");
            assertThat(replies.get(7)).containsExactly("250- 3 byte chunk, total 3", "250 OK id=Q2");
            quit(client);
        }
        assertThat(server.messages()).extracting(StoredMessage::mailFrom, StoredMessage::contentAsString)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a@example.com", "Subject: s\r\n\r\nbody\r\n"),
                        org.assertj.core.groups.Tuple.tuple("c@example.com", "x\r\n"));
    }

    // With the option off: the chunking session's Postfix-like replies, a refused chunk ends the transaction.

    @ParameterizedTest(name = "pipelined={0}")
    @ValueSource(booleans = {true, false})
    void optionOff_postfixLikeChunking(boolean pipelined) throws Exception {
        StandardSession session = exim(pipelined).keepTransactionAfterFailure(false)
                .endOfDataReply((s, content) -> content.contains("reject") ? List.of("550 5.7.1 Content rejected") : null)
                .build();
        try (TestClient client = connect(session)) {
            List<List<String>> replies = exchange(client, pipelined, cmd("MAIL FROM:<old@example.com>"),
                    cmd("RCPT TO:<bad1@example.net>"), bdat("ignored\r\n", true), cmd("MAIL FROM:<new@example.com>"),
                    cmd("RSET"));
            assertThat(lastLines(replies)).containsExactly("250 2.1.0 Ok", UNKNOWN_USER, NO_VALID_RECIPIENTS,
                    "503 5.5.1 Error: nested MAIL command", "250 2.0.0 Ok");
            replies = exchange(client, pipelined, cmd("MAIL FROM:<a@example.com>"), cmd("RCPT TO:<one@example.net>"),
                    bdat("part ", false), bdat("please reject\r\n", true), bdat("more", true),
                    cmd("MAIL FROM:<b@example.com>"), cmd("RCPT TO:<two@example.net>"), bdat("fine\r\n", true));
            assertThat(lastLines(replies)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: 5 bytes",
                    "550 5.7.1 Content rejected", "503 5.5.1 Error: need RCPT command", "250 2.1.0 Ok", "250 2.1.5 Ok",
                    "250 2.0.0 Ok: queued as Q1");
            quit(client);
        }
        assertThat(server.messages()).singleElement().satisfies(m -> {
            assertThat(m.mailFrom()).isEqualTo("b@example.com");
            assertThat(m.recipients()).containsExactly("two@example.net");
            assertThat(m.contentAsString()).isEqualTo("fine\r\n");
        });
    }

    @Test
    void optionOffByDefaultAndChunkingOnlyWhenAsked() throws Exception {
        assertThat(new StandardSession().ehloReply()).doesNotContain("250-CHUNKING");
        assertThat(StandardSession.builder().keepTransactionAfterFailure(true).build().ehloReply())
                .doesNotContain("250-CHUNKING");
        assertThat(StandardSession.builder().chunking(true).build().ehloReply()).containsExactly("250-mail.example.com",
                "250-PIPELINING", "250-SIZE 10485760", "250-8BITMIME", "250-CHUNKING", "250-ENHANCEDSTATUSCODES",
                "250 AUTH PLAIN LOGIN");
        assertThat(exim(true).build().toBuilder().build().keepTransactionAfterFailure).isTrue();
        server.enqueue(new StandardSession());
        try (TestClient client = TestClient.connect(server.host(), server.port())) {
            client.reply();
            client.send("MAIL FROM:<a@example.com>", "BDAT 0 LAST", "RSET");
            assertThat(client.reply()).isEqualTo("250 2.1.0 Ok");
            assertThat(client.reply()).isEqualTo("500 5.5.2 Syntax error");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok");
            quit(client);
        }
    }
}
