package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code max-messages-per-connection} against a server that counts MAIL FROM commands the same way
 * and answers the one past its limit with 421 and closes (Exim's {@code smtp_accept_max_per_connection}),
 * with the pool's limit at the server's: whatever splits a message into several transactions
 * (LIMITS RCPTMAX, 452 too many recipients), whatever MAILMAX says, with DATA or BDAT, one
 * connection or four, single sends one after another or from several threads at once (shared
 * flights and late joiners), no session reaches the 421, every recipient is stored exactly once,
 * every ledger is SUCCEEDED, and every connection goes back to the pool.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MaxMessagesPerConnectionUnderSplitsTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    /**
     * A server that answers the MAIL FROM past {@code limit} in a session with 421, advertises
     * {@code limits} (e.g. "RCPTMAX=2 MAILMAX=2", or empty) and refuses the RCPT TO past
     * {@code rcptPerTransaction} of a transaction with 452 4.5.3.
     */
    private void start(int limit, String limits, int rcptPerTransaction, boolean chunking) {
        List<String> ehlo = new ArrayList<>(List.of("250-mail.example.com", "250-PIPELINING", "250-8BITMIME",
                "250-ENHANCEDSTATUSCODES"));
        if (chunking) {
            ehlo.add("250-CHUNKING");
        }
        if (!limits.isBlank()) {
            ehlo.add("250-LIMITS " + limits);
        }
        ehlo.add("250 SIZE 10485760");
        server.setDefaultScript(s -> {
            int[] mails = {0};
            int[] rcpts = {0};
            StandardSession.builder().ehloReply(ehlo.toArray(String[]::new)).chunking(chunking)
                    .commandHook((session, line) -> {
                        if (line.regionMatches(true, 0, "MAIL", 0, 4) && ++mails[0] > limit) {
                            session.server().event("421 on connection " + session.connectionIndex());
                            session.reply("421 4.7.0 Too many messages for this connection");
                            session.closeFin();
                            return List.of();
                        }
                        return null;
                    })
                    .mailReply((session, address) -> {
                        rcpts[0] = 0;
                        return null;
                    })
                    .rcptReply((session, address) -> ++rcpts[0] > rcptPerTransaction
                            ? List.of("452 4.5.3 Too many recipients") : null)
                    .build().run(s);
        });
    }

    private SmtpConnectionPool pool(int connections, int limit, boolean chunking) {
        return new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                SendingOptions.builder().chunking(chunking).build(),
                PoolSettings.builder().maxConnections(connections).maxMessagesPerConnection(limit)
                        .maxWait(Duration.ofSeconds(20)).build(),
                SmtpListener.NONE);
    }

    /** Message {@code i} from sender-i with {@code recipients} recipients r-i-k. */
    private static OutgoingMessage message(int i, int recipients) {
        List<String> to = new ArrayList<>();
        for (int k = 0; k < recipients; k++) {
            to.add("r-" + i + "-" + k + "@example.net");
        }
        return new OutgoingMessage(new Envelope("sender-" + i + "@example.com", to),
                MessageContent.of(("Subject: m" + i + "\r\n\r\nbody " + i + "\r\n").getBytes(StandardCharsets.US_ASCII)));
    }

    private static List<OutgoingMessage> messages(int from, int n, int recipients) {
        List<OutgoingMessage> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(message(i, recipients));
        }
        return out;
    }

    @ParameterizedTest(name = "limit {0}, LIMITS [{1}], 452 past {2}, BDAT {3}, pool {4}")
    @CsvSource({
        "3, RCPTMAX=2, 1000, false, 1",
        "3, RCPTMAX=2, 1000, true, 1",
        "3, RCPTMAX=2, 1000, true, 4",
        "3, '', 2, false, 1",
        "3, '', 2, true, 1",
        "3, '', 2, true, 4",
        "3, MAILMAX=2, 1000, false, 1",
        "3, MAILMAX=2 RCPTMAX=2, 2, true, 1",
        "3, MAILMAX=5 RCPTMAX=2, 1000, true, 1",
        "1, RCPTMAX=2, 2, false, 1",
        "1, RCPTMAX=2, 2, true, 2",
    })
    void oneSendAfterAnotherSplitsStayWithinTheLimit(int limit, String limits, int rcptPerTransaction,
                                                     boolean chunking, int connections) throws Exception {
        start(limit, limits, rcptPerTransaction, chunking);
        List<MessageLedger> ledgers = new ArrayList<>();
        try (SmtpConnectionPool pool = pool(connections, limit, chunking);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            ledgers.addAll(delivery.deliver(messages(0, 2, 1)).ledgers());
            ledgers.addAll(delivery.deliver(messages(2, 1, 5)).ledgers());
            ledgers.addAll(delivery.deliver(messages(3, 3, 3)).ledgers());
            ledgers.addAll(delivery.deliver(messages(6, 12, 2)).ledgers());
            ledgers.addAll(new PooledDelivery(pool, DeliveryOptions.DEFAULTS).deliver(messages(18, 4, 4)).ledgers());
            assertThat(pool.active()).isZero();
        }
        assertEveryRecipientOnceWithinTheLimit(ledgers, limit);
    }

    @ParameterizedTest(name = "limit {0}, LIMITS [{1}], 452 past {2}, BDAT {3}, pool {4}")
    @CsvSource({
        "3, RCPTMAX=2, 1000, false, 1",
        "3, RCPTMAX=2, 1000, true, 1",
        "3, RCPTMAX=2, 1000, true, 4",
        "3, '', 2, false, 2",
        "3, '', 2, true, 4",
        "3, MAILMAX=2 RCPTMAX=2, 2, true, 2",
        "1, '', 1000, true, 2",
        "2, '', 1000, false, 4",
    })
    void concurrentSendsAndAsyncBatchesStayWithinTheLimit(int limit, String limits, int rcptPerTransaction,
                                                          boolean chunking, int connections) throws Exception {
        start(limit, limits, rcptPerTransaction, chunking);
        List<MessageLedger> ledgers = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (SmtpConnectionPool pool = pool(connections, limit, chunking);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<Future<BatchDelivery.Outcome>> outcomes = new ArrayList<>();
            for (int t = 0; t < 24; t++) {
                int from = t * 3;
                int recipients = 1 + t % 4;
                int n = 1 + t % 3;
                outcomes.add(threads.submit(() -> delivery.deliver(messages(from, n, recipients))));
            }
            for (Future<BatchDelivery.Outcome> f : outcomes) {
                ledgers.addAll(f.get(30, TimeUnit.SECONDS).ledgers());
            }
            assertThat(pool.active()).isZero();
        } finally {
            threads.shutdownNow();
        }
        assertEveryRecipientOnceWithinTheLimit(ledgers, limit);
    }

    @ParameterizedTest(name = "all-or-nothing, limit {0}, BDAT {1}")
    @CsvSource({"3, false", "3, true", "1, true"})
    void allOrNothingMessagesAreOneTransactionEachWithinTheLimit(int limit, boolean chunking) throws Exception {
        start(limit, "RCPTMAX=2", 1000, chunking);
        List<MessageLedger> ledgers = new ArrayList<>();
        try (SmtpConnectionPool pool = pool(1, limit, chunking);
             BatchDelivery delivery = new BatchDelivery(pool,
                     new DeliveryOptions(DeliveryPolicy.ALL_OR_NOTHING, true))) {
            ledgers.addAll(delivery.deliver(messages(0, 2, 1)).ledgers());
            ledgers.addAll(delivery.deliver(messages(2, 5, 4)).ledgers());
            assertThat(pool.active()).isZero();
        }
        assertEveryRecipientOnceWithinTheLimit(ledgers, limit);
        assertThat(server.messages()).hasSize(7);
    }

    @ParameterizedTest(name = "BDAT {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void limitZeroMeansNoLimitEverythingRidesOneConnection(boolean chunking) throws Exception {
        start(Integer.MAX_VALUE, "RCPTMAX=2", 1000, chunking);
        List<MessageLedger> ledgers = new ArrayList<>();
        try (SmtpConnectionPool pool = pool(1, 0, chunking);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            ledgers.addAll(delivery.deliver(messages(0, 2, 1)).ledgers());
            ledgers.addAll(delivery.deliver(messages(2, 12, 1)).ledgers());
            ledgers.addAll(delivery.deliver(messages(14, 5, 3)).ledgers());
            assertThat(pool.active()).isZero();
        }
        assertEveryRecipientOnceWithinTheLimit(ledgers, Integer.MAX_VALUE);
        assertThat(server.connectionCount()).as("one session for all").isEqualTo(1);
        assertThat(server.messages()).hasSize(2 + 12 + 5 * 2);
    }

    private void assertEveryRecipientOnceWithinTheLimit(List<MessageLedger> ledgers, int limit) throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        assertThat(server.events()).as("421 past the server's limit").noneMatch(e -> e.startsWith("421"));
        assertThat(ledgers).extracting(MessageLedger::status).containsOnly(MessageStatus.SUCCEEDED);
        List<String> expected = ledgers.stream().flatMap(l -> l.recipients().stream())
                .map(r -> r.address()).toList();
        Map<String, Long> stored = server.messages().stream().flatMap((StoredMessage m) -> m.recipients().stream())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(stored.values()).as("each recipient stored once").containsOnly(1L);
        for (int c = 0; c < server.connectionCount(); c++) {
            long mails = server.commands(c).stream().map(RecordedCommand::line)
                    .filter(line -> line.startsWith("MAIL FROM")).count();
            assertThat(mails).as("MAIL FROM commands on connection %d", c).isLessThanOrEqualTo(limit);
        }
    }
}
