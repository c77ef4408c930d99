package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.SendingOptions;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.delivery.PooledDelivery;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * BDAT without dot-stuffing (docs/fault-kinds.md#bdat-exact-octets) crossed with the all-or-nothing policy
 * (docs/fault-kinds.md#read-every-status) and too many recipients (452, RCPTMAX; docs/fault-kinds.md#too-many-recipients):
 * content written more than once must be the same octets each time, every recipient is stored
 * exactly once, and all-or-nothing never delivers to only some recipients.
 */
class ChunkedSplitDeliversEachRecipientOnceTest {

    private static final String[] CHUNKING_EHLO = {"250-mail.example.com", "250-PIPELINING", "250-CHUNKING",
        "250-ENHANCEDSTATUSCODES", "250 8BITMIME"};

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    /**
     * A server that speaks both DATA and BDAT: at most {@code maxRcpt} RCPT per transaction (452 4.5.3
     * beyond), recipients in {@code refuse} get 550, records "452" and "DATA"/"BDAT" events.
     */
    private static void serve(ServerSession s, String[] ehlo, int maxRcpt, Predicate<String> refuse)
            throws Exception {
        s.reply("220 mail.example.com ESMTP test");
        String from = null;
        List<String> rcpts = new ArrayList<>();
        ByteArrayOutputStream bdat = new ByteArrayOutputStream();
        for (String line = s.readLine(); line != null; line = s.readLine()) {
            String verb = line.split("[ :]")[0].toUpperCase();
            switch (verb) {
                case "EHLO" -> s.reply(ehlo);
                case "MAIL" -> {
                    from = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    rcpts.clear();
                    bdat.reset();
                    s.reply("250 2.1.0 Ok");
                }
                case "RCPT" -> {
                    String a = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    if (refuse.test(a)) {
                        s.reply("550 5.1.1 no such user");
                    } else if (rcpts.size() >= maxRcpt) {
                        s.event("452 " + a);
                        s.reply("452 4.5.3 Too many recipients");
                    } else {
                        rcpts.add(a);
                        s.reply("250 2.1.5 Ok");
                    }
                }
                case "BDAT" -> {
                    String[] p = line.split(" ");
                    bdat.write(s.readExactly(Integer.parseInt(p[1])));
                    boolean last = p.length > 2 && p[2].equalsIgnoreCase("LAST");
                    if (!last) {
                        s.reply("250 2.0.0 chunk ok");
                    } else if (from == null || rcpts.isEmpty()) {
                        s.event("BDAT LAST without recipients");
                        s.reply("554 5.5.1 no valid recipients");
                        from = null;
                    } else {
                        s.event("BDAT");
                        s.store(from, List.copyOf(rcpts), bdat.toByteArray());
                        s.reply("250 2.0.0 queued");
                        from = null;
                        rcpts.clear();
                        bdat.reset();
                    }
                }
                case "DATA" -> {
                    if (from == null || rcpts.isEmpty()) {
                        s.reply("554 5.5.1 no valid recipients");
                        continue;
                    }
                    s.reply("354 go");
                    byte[] content = s.readData();
                    s.event("DATA");
                    s.store(from, List.copyOf(rcpts), content);
                    s.reply("250 2.0.0 queued");
                    from = null;
                    rcpts.clear();
                }
                case "RSET" -> {
                    from = null;
                    rcpts.clear();
                    bdat.reset();
                    s.reply("250 2.0.0 Ok");
                }
                case "QUIT" -> {
                    s.reply("221 2.0.0 Bye");
                    s.closeFin();
                    return;
                }
                default -> s.reply("500 5.5.2 unexpected " + line);
            }
        }
    }

    private static final SendingOptions CHUNKS_OF_100 = SendingOptions.builder().chunkSize(100).build();

    private ConnectionSettings chunked() {
        return ClientFixtures.settings(server).build();
    }

    private static String[] rcpts(int n) {
        String[] r = new String[n];
        for (int i = 0; i < n; i++) {
            r[i] = rcpt(i + 1);
        }
        return r;
    }

    /** Each recipient stored exactly once, and every stored copy has identical octets. */
    private void assertEachStoredOnceWithIdenticalContent(String... recipients) {
        List<StoredMessage> stored = server.messages();
        List<String> all = stored.stream().flatMap(m -> m.recipients().stream()).toList();
        assertThat(all).as("every recipient exactly once").containsExactlyInAnyOrder(recipients);
        byte[] first = stored.get(0).content();
        for (StoredMessage m : stored) {
            assertThat(Arrays.equals(m.content(), first)).as("copies identical").isTrue();
        }
    }

    // ---- all-or-nothing with a server that offers CHUNKING ----

    @Test
    void allOrNothingWithChunkingOneRefusedRecipientSendsNoContent() throws Exception {
        server.enqueue(s -> serve(s, CHUNKING_EHLO, 100, a -> a.equals(rcpt(2))));
        try (SmtpConnection c = SmtpConnection.open(chunked(), CHUNKS_OF_100)) {
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(1500, rcpt(1), rcpt(2), rcpt(3))),
                    DeliveryPolicy.ALL_OR_NOTHING).get(0);
            assertThat(ledger.recipients()).extracting(RecipientResult::status).containsOnly(RecipientStatus.FAILED);
            assertThat(ledger.contentCommitted()).isFalse();
            // the connection is still usable: a fully accepted message goes through
            MessageLedger next = c.send(List.of(ClientFixtures.message(1500, rcpt(4))),
                    DeliveryPolicy.ALL_OR_NOTHING).get(0);
            assertThat(next.status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        server.awaitScriptsFinished(Duration.ofSeconds(3));
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.messages()).hasSize(1);
        assertThat(server.messages().get(0).recipients()).containsExactly(rcpt(4));
        assertThat(server.events()).doesNotContain("BDAT LAST without recipients");
    }

    @Test
    void allOrNothingWithChunkingEveryRecipientAcceptedDeliversOnce() throws Exception {
        server.enqueue(s -> serve(s, CHUNKING_EHLO, 100, a -> false));
        OutgoingMessage m = ClientFixtures.message(1500, rcpt(1), rcpt(2));
        try (SmtpConnection c = SmtpConnection.open(chunked(), CHUNKS_OF_100)) {
            MessageLedger ledger = c.send(List.of(m), DeliveryPolicy.ALL_OR_NOTHING).get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        server.awaitScriptsFinished(Duration.ofSeconds(3));
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.messages()).hasSize(1);
        assertThat(server.messages().get(0).recipients()).containsExactly(rcpt(1), rcpt(2));
    }

    // ---- BDAT with 452 splitting and RCPTMAX ----

    private PooledDelivery delivery(ConnectionSettings settings) {
        return new PooledDelivery(new SmtpConnectionPool(settings, CHUNKS_OF_100,
                PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(3)).build(), SmtpListener.NONE));
    }

    @Test
    void bdatWith452SplitWritesTheSameOctetsEveryTimeAndEachRecipientOnce() throws Exception {
        server.setDefaultScript(s -> serve(s, CHUNKING_EHLO, 2, a -> false));
        PooledDelivery d = delivery(chunked());
        String[] to = rcpts(5);
        PooledDelivery.Result result = d.deliver(List.of(ClientFixtures.message(1500, to)), DeliveryPolicy.PARTIAL);
        d.pool().close(Duration.ofSeconds(2));
        MessageLedger ledger = result.ledgers().get(0);
        assertThat(ledger.recipients()).extracting(RecipientResult::status).containsOnly(RecipientStatus.SUCCEEDED);
        assertThat(server.messages()).hasSize(3);
        assertEachStoredOnceWithIdenticalContent(to);
        assertThat(server.events()).filteredOn(e -> e.equals("DATA")).as("BDAT, not DATA").isEmpty();
    }

    @Test
    void rcptMaxWithBdatSplitsUpFrontAndNeverGets452() throws Exception {
        String[] ehlo = {"250-mail.example.com", "250-PIPELINING", "250-CHUNKING", "250-LIMITS RCPTMAX=2",
            "250 8BITMIME"};
        server.setDefaultScript(s -> serve(s, ehlo, 2, a -> false));
        PooledDelivery d = delivery(chunked());
        String[] first = rcpts(5);
        String[] second = {"other-1@example.net", "other-2@example.net", "other-3@example.net"};
        OutgoingMessage m1 = ClientFixtures.message(1500, first);
        OutgoingMessage m2 = ClientFixtures.message(700, second);
        PooledDelivery.Result result = d.deliver(List.of(m1, m2), DeliveryPolicy.PARTIAL);
        d.pool().close(Duration.ofSeconds(2));
        for (MessageLedger l : result.ledgers()) {
            assertThat(l.status()).as(l.toString()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(server.events()).noneMatch(e -> e.startsWith("452"));
        assertThat(server.messages()).hasSize(5); // 2+2+1 and 2+1
        assertThat(server.messages()).allSatisfy(m -> assertThat(m.recipients()).hasSizeLessThanOrEqualTo(2));
        List<String> all = server.messages().stream().flatMap(m -> m.recipients().stream()).toList();
        List<String> expected = new ArrayList<>(List.of(first));
        expected.addAll(List.of(second));
        assertThat(all).containsExactlyInAnyOrderElementsOf(expected);
        Set<Integer> sizes = server.messages().stream().map(m -> m.content().length).collect(Collectors.toSet());
        assertThat(sizes).as("two distinct messages, each copy identical").hasSize(2);
    }

    /**
     * All-or-nothing with a server that refuses recipients beyond 2 with 452, a refused fifth
     * recipient: either every recipient is delivered or none is. Delivering to some and reporting the
     * rest FAILED is exactly what all-or-nothing forbids.
     */
    @Test
    void allOrNothingNeverDeliversToOnlySomeRecipientsWhenTheServerSplits() throws Exception {
        String[] ehlo = {"250-mail.example.com", "250-PIPELINING", "250-CHUNKING", "250-LIMITS RCPTMAX=2",
            "250 8BITMIME"};
        server.setDefaultScript(s -> serve(s, ehlo, 2, a -> a.equals(rcpt(5))));
        PooledDelivery d = delivery(chunked());
        PooledDelivery.Result result = d.deliver(List.of(ClientFixtures.message(1500, rcpts(5))),
                DeliveryPolicy.ALL_OR_NOTHING);
        d.pool().close(Duration.ofSeconds(2));
        MessageLedger ledger = result.ledgers().get(0);
        assertThat(ledger.count(RecipientStatus.SUCCEEDED)).as(ledger.toString()).isZero();
        assertThat(server.messages()).as("all-or-nothing with a refused recipient: nothing stored").isEmpty();
    }

    @Test
    void allOrNothingWith452TooManyNeverDeliversOnlyTheOverflow() throws Exception {
        server.setDefaultScript(s -> serve(s, CHUNKING_EHLO, 2, a -> false));
        PooledDelivery d = delivery(chunked());
        String[] to = rcpts(5);
        PooledDelivery.Result result = d.deliver(List.of(ClientFixtures.message(1500, to)),
                DeliveryPolicy.ALL_OR_NOTHING);
        d.pool().close(Duration.ofSeconds(2));
        MessageLedger ledger = result.ledgers().get(0);
        List<String> stored = server.messages().stream().flatMap(m -> m.recipients().stream()).toList();
        List<String> succeeded = ledger.recipients(RecipientStatus.SUCCEEDED).stream()
                .map(RecipientResult::address).toList();
        assertThat(stored).as("stored exactly what is reported SUCCEEDED").containsExactlyInAnyOrderElementsOf(succeeded);
        assertThat(stored.size()).as("all-or-nothing: all 5 or none, was %s (%s)", stored, ledger)
                .isIn(0, 5);
    }
}
