package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.PipeliningRelay;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.RelayOptions;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BDAT without dot-stuffing (docs/fault-kinds.md#bdat-exact-octets) and CHUNKING in general: exact octets in chunks, never dot-stuffed, one
 * LAST; a refused chunk fails the message and the connection goes on; a chunk without reply times
 * out; messages stream with few round trips.
 */
class ChunkingTest {

    private static final String[] EHLO = {"250-mail.example.com", "250-CHUNKING", "250-PIPELINING", "250 8BITMIME"};
    private static final String BODY = "first line\n.leading dot\n.\nlast line";

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    /**
     * A CHUNKING server: reads exactly n octets per BDAT; {@code chunkReply} gives the reply to each
     * chunk (n, last) or null for the default; stores each message with the concatenated octets.
     */
    private static void bdatServer(ServerSession s, BiFunction<Integer, Boolean, String> chunkReply) throws IOException {
        greet(s, EHLO);
        List<String> rcpts = new ArrayList<>();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        boolean failed = false;
        int queued = 0;
        for (String line = s.readLine(); line != null; line = s.readLine()) {
            if (line.startsWith("MAIL")) {
                rcpts.clear();
                content.reset();
                failed = false;
                s.reply("250 2.1.0 Ok");
            } else if (line.startsWith("RCPT")) {
                rcpts.add(line.substring(9, line.length() - 1));
                s.reply("250 2.1.5 Ok");
            } else if (line.startsWith("BDAT ")) {
                String[] words = line.split(" ");
                int n = Integer.parseInt(words[1]);
                boolean last = words.length > 2 && words[2].equals("LAST");
                content.write(s.readExactly(n));
                String reply = failed ? "503 5.5.1 Error: transaction failed" : chunkReply.apply(n, last);
                if (reply == null) {
                    reply = last ? "250 2.0.0 queued as B" + (++queued) : "250 2.0.0 " + n + " octets received";
                }
                if (reply.startsWith("250") && last) {
                    s.store("sender@example.com", List.copyOf(rcpts), content.toByteArray());
                } else if (!reply.startsWith("250")) {
                    failed = true;
                }
                if (!reply.isEmpty()) {
                    s.reply(reply);
                }
            } else if (line.equals("RSET")) {
                failed = false;
                s.reply("250 2.0.0 Ok");
            } else if (line.equals("QUIT")) {
                s.reply("221 Bye");
                s.closeFin();
                return;
            } else {
                s.event("stray: " + line);
                s.reply("500 5.5.1 Invalid command");
            }
        }
    }

    private static OutgoingMessage message(String body, String... to) {
        return new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, to),
                MessageContent.of(("Subject: chunks\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8)));
    }

    private static final String CANONICAL = "Subject: chunks\r\n\r\nfirst line\r\n.leading dot\r\n.\r\nlast line\r\n";

    @ParameterizedTest
    @ValueSource(ints = {31, 128 * 1024})
    void variantA_exactOctetsNoStuffingOneLast(int chunkSize) throws Exception {
        server.enqueue(s -> bdatServer(s, (n, last) -> null));
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build(), SendingOptions.builder().chunkSize(chunkSize).build())) {
            assertThat(c.isChunking()).isTrue();
            MessageLedger ledger = c.send(List.of(message(BODY, rcpt(1), rcpt(2)))).get(0);
            assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(2);
            assertThat(ledger.finalReply().orElseThrow().text()).isEqualTo("queued as B1");
        }
        assertThat(server.messages()).hasSize(1);
        assertThat(server.messages().get(0).contentAsString()).isEqualTo(CANONICAL);
        List<String> bdats = server.commands().stream().map(RecordedCommand::line).filter(l -> l.startsWith("BDAT"))
                .toList();
        assertThat(bdats).filteredOn(l -> l.endsWith(" LAST")).hasSize(1);
        assertThat(bdats.get(bdats.size() - 1)).endsWith(" LAST");
        int sum = bdats.stream().mapToInt(l -> Integer.parseInt(l.split(" ")[1])).sum();
        assertThat(sum).isEqualTo(CANONICAL.getBytes(StandardCharsets.UTF_8).length);
        if (chunkSize == 31) {
            assertThat(bdats.size()).isEqualTo((sum + 30) / 31);
        }
        assertThat(server.commands()).extracting(RecordedCommand::line).doesNotContain(".", "DATA");
        assertThat(server.events()).isEmpty();
    }

    @Test
    void variantB_refusedLastChunkFailsTheMessageAndTheConnectionGoesOn() throws Exception {
        int[] lastChunks = {0};
        server.enqueue(s -> bdatServer(s, (n, last) -> last && lastChunks[0]++ == 0
                ? "552 5.3.4 Header size exceeds fixed maximum size" : null));
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build(), SendingOptions.builder().chunkSize(31).build())) {
            MessageLedger refused = c.send(List.of(message(BODY + "\n" + "x".repeat(80), rcpt(1), rcpt(2)))).get(0);
            for (RecipientResult r : refused.recipients()) {
                assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
                SmtpError e = r.error().orElseThrow();
                assertThat(e.command()).startsWith("BDAT ").endsWith(" LAST");
                assertThat(e.code()).isEqualTo(552);
                assertThat(e.enhancedStatusCode()).contains("5.3.4");
                assertThat(e.type()).isEqualTo(FailureType.PERMANENT);
            }
            MessageLedger next = c.send(List.of(message("short", rcpt(3)))).get(0);
            assertThat(next.status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
        }
        assertThat(server.messages()).extracting(m -> m.recipients()).containsExactly(List.of(rcpt(3)));
    }

    @Test
    void aRefusedFirstChunkFailsTheMessageStopsOrDiscardsTheRestAndTheNextMessageGoesThrough() throws Exception {
        server.enqueue(s -> bdatServer(s, (n, last) -> !last ? "554 5.6.0 Bad content" : null));
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build(), SendingOptions.builder().chunkSize(31).build())) {
            List<MessageLedger> ledgers = c.send(List.of(message(BODY + "\n" + "y".repeat(200), rcpt(1)),
                    message("fine", rcpt(2))));
            SmtpError e = ledgers.get(0).recipients().get(0).error().orElseThrow();
            assertThat(e.command()).isEqualTo("BDAT 31");
            assertThat(e.code()).isEqualTo(554);
            assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(server.messages()).extracting(m -> m.recipients()).containsExactly(List.of(rcpt(2)));
    }

    @Test
    void variantC_unansweredChunkTimesOutAndTheConnectionIsEvicted() throws Exception {
        server.enqueue(s -> {
            greet(s, EHLO);
            s.readLine();
            s.reply("250 Ok");
            s.readLine();
            s.reply("250 Ok");
            s.stallUntilClientCloses();
        });
        Duration timeout = Duration.ofMillis(500);
        SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).commandTimeout(timeout).dataTimeout(timeout)
                .build(), SendingOptions.builder().chunkSize(31).build());
        long start = System.nanoTime();
        MessageLedger ledger = c.send(List.of(message(BODY, rcpt(1)))).get(0);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(timeout.toMillis() + 1000);
        SmtpError e = ledger.recipients().get(0).error().orElseThrow();
        assertThat(e.command()).startsWith("BDAT");
        assertThat(e.exception()).containsInstanceOf(SmtpTimeoutException.class);
        assertThat(ledger.recipients().get(0).status()).isIn(RecipientStatus.FAILED, RecipientStatus.UNKNOWN);
        assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        c.close();
    }

    @Test
    void aThousandMessagesStreamInFewerThanFiftyRoundTrips() throws Exception {
        server.enqueue(s -> bdatServer(s, (n, last) -> null));
        List<OutgoingMessage> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(message(ClientFixtures.body(1024) + "X-Seq " + i, rcpt(i)));
        }
        try (PipeliningRelay relay = PipeliningRelay.start(server.host(), server.port(),
                RelayOptions.defaults().withInsertPipelining(false))) {
            try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(relay.port()).build())) {
                relay.resetCounters();
                long before = c.roundTrips();
                List<MessageLedger> ledgers = c.send(batch);
                assertThat(ledgers).allMatch(l -> l.status() == MessageStatus.SUCCEEDED);
                // one flight, plus one round trip each time the writer waited for the window of 50,
                // which it leaves once 25 messages are free: at most 1000 / 25
                assertThat(c.roundTrips() - before).isBetween(1L, 41L);
                assertThat(relay.roundTrips()).as("counted on the wire").isLessThan(50);
                System.out.println("1,000 messages with CHUNKING+PIPELINING: client round trips "
                        + (c.roundTrips() - before) + ", relay-counted " + relay.roundTrips());
            }
        }
        assertThat(server.messages()).hasSize(1000);
    }
}
