package io.github.pipeliningsmtp.delivery;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.pool.SmtpPoolTimeoutException;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Single sends from many threads share flights (issue 14, item 1): a send that arrives while a
 * connection's flight is in progress rides in that connection's next flight instead of waiting for a
 * connection of its own, and each caller still gets exactly its own ledger.
 *
 * <p>To make "arrives while a flight is in progress" certain, the server holds the reply to the first
 * end of data of a connection until every send has been handed to the delivery (the delivery's load
 * gauge says so), then answers as usual.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedFlightsTest {

    private static final int SENDS = 16;

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final ExecutorService threads = Executors.newFixedThreadPool(SENDS);

    @AfterEach
    void tearDown() throws Exception {
        threads.shutdownNow();
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    private SmtpConnectionPool pool(int max, Duration maxWait, SendingOptions options) {
        return new SmtpConnectionPool(ClientFixtures.settings(server).build(), options,
                PoolSettings.builder().maxConnections(max).maxWait(maxWait).build(), SmtpListener.NONE);
    }

    private static String sender(int i) {
        return "sender-" + i + "@example.com";
    }

    /** Holds the first end-of-data reply of every connection until {@code condition}, at most 5 s. */
    private StandardSession.Builder holdingFirstEndOfData(BooleanSupplier condition) {
        return holdingFirstEndOfData(condition, new CountDownLatch(1));
    }

    /** As above, counting {@code holding} down when a reply is held. */
    private StandardSession.Builder holdingFirstEndOfData(BooleanSupplier condition, CountDownLatch holding) {
        Set<Integer> held = ConcurrentHashMap.newKeySet();
        return StandardSession.builder().endOfDataReply((s, content) -> {
            if (held.add(s.connectionIndex())) {
                holding.countDown();
                awaitCondition(condition);
            }
            return null;
        });
    }

    /** Waits up to 5 s for the condition; inside a server's script, so it goes on either way (the test asserts). */
    private static void awaitCondition(BooleanSupplier condition) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException timedOut) {
            // the assertions after the flight say what did not happen
        }
    }

    /** Every send is queued, in a flight, or already stored (done on another connection). */
    private boolean allHandedIn(BatchDelivery delivery, int sends) {
        BatchDelivery.Load load = delivery.load();
        return load.queued() + load.inFlight() + server.messages().size() >= sends;
    }

    /** Sends message i from thread i, all at once; returns each caller's outcome, in order. */
    private List<BatchDelivery.Outcome> sendConcurrently(BatchDelivery delivery, List<OutgoingMessage> messages)
            throws Exception {
        return sendConcurrently(delivery, messages, null);
    }

    /** As above; with {@code firstHeld}, message 0 goes first and the others once the latch is down. */
    private List<BatchDelivery.Outcome> sendConcurrently(BatchDelivery delivery, List<OutgoingMessage> messages,
                                                         CountDownLatch firstHeld) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<BatchDelivery.Outcome>> futures = new ArrayList<>();
        List<OutgoingMessage> rest = messages;
        if (firstHeld != null) {
            OutgoingMessage first = messages.get(0);
            futures.add(threads.submit(() -> delivery.deliver(List.of(first))));
            assertThat(firstHeld.await(5, TimeUnit.SECONDS)).isTrue();
            rest = messages.subList(1, messages.size());
        }
        for (OutgoingMessage m : rest) {
            futures.add(threads.submit(() -> {
                go.await();
                return delivery.deliver(List.of(m));
            }));
        }
        go.countDown();
        List<BatchDelivery.Outcome> outcomes = new ArrayList<>();
        for (Future<BatchDelivery.Outcome> f : futures) {
            outcomes.add(f.get(20, TimeUnit.SECONDS));
        }
        return outcomes;
    }

    private static long roundTrips(List<BatchDelivery.Outcome> outcomes) {
        return outcomes.stream().mapToLong(BatchDelivery.Outcome::roundTrips).sum();
    }

    private List<OutgoingMessage> singles(int n) {
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            messages.add(ClientFixtures.message(sender(i), 300, ClientFixtures.rcpt(i)));
        }
        return messages;
    }

    @Test
    void sixteenSingleSendsOnOneConnectionGoInTwoDataFlights() throws Exception {
        try (SmtpConnectionPool pool = pool(1, Duration.ofSeconds(10), SendingOptions.DEFAULTS);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            CountDownLatch firstHeld = new CountDownLatch(1);
            server.setDefaultScript(holdingFirstEndOfData(() -> allHandedIn(delivery, SENDS), firstHeld).build());
            List<BatchDelivery.Outcome> outcomes = sendConcurrently(delivery, singles(SENDS), firstHeld);
            assertThat(outcomes).allSatisfy(o -> assertThat(o.ledgers()).singleElement()
                    .extracting(MessageLedger::status).isEqualTo(MessageStatus.SUCCEEDED));
            assertThat(server.connectionCount()).isEqualTo(1);
            // k messages in one DATA flight cost k + 1 round trips: the first alone, then 15 that came meanwhile in
            // one flight: 16 messages in 2 flights, not 16 × 2
            assertThat(roundTrips(outcomes)).isEqualTo(SENDS + 2);
            assertThat(server.messages()).hasSize(SENDS);
        }
    }

    @Test
    void sixteenSingleSendsWithBdatShareOneFlightAfterTheFirst() throws Exception {
        SendingOptions chunking = SendingOptions.builder().build();
        try (SmtpConnectionPool pool = pool(1, Duration.ofSeconds(10), chunking);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            server.setDefaultScript(holdingFirstEndOfData(() -> allHandedIn(delivery, SENDS)).chunking(true).build());
            List<BatchDelivery.Outcome> outcomes = sendConcurrently(delivery, singles(SENDS));
            assertThat(outcomes).allSatisfy(o -> assertThat(o.ledgers().get(0).status())
                    .isEqualTo(MessageStatus.SUCCEEDED));
            assertThat(server.commands()).filteredOn(c -> c.line().startsWith("BDAT")).isNotEmpty();
            // with BDAT a flight is one round trip whatever it carries (within the window)
            assertThat(roundTrips(outcomes)).isLessThanOrEqualTo(4);
            assertThat(server.messages()).hasSize(SENDS);
        }
    }

    @Test
    void sixteenSingleSendsOverFourConnectionsUseFewerRoundTripsThanOneConnectionEach() throws Exception {
        try (SmtpConnectionPool pool = pool(4, Duration.ofSeconds(10), SendingOptions.DEFAULTS);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            server.setDefaultScript(holdingFirstEndOfData(() -> allHandedIn(delivery, SENDS)).build());
            List<BatchDelivery.Outcome> outcomes = sendConcurrently(delivery, singles(SENDS));
            assertThat(outcomes).allSatisfy(o -> assertThat(o.ledgers().get(0).status())
                    .isEqualTo(MessageStatus.SUCCEEDED));
            assertThat(server.connectionCount()).isLessThanOrEqualTo(4);
            // alone, every single send costs 2 round trips (envelope, then content)
            assertThat(roundTrips(outcomes)).isLessThan(2L * SENDS);
            Map<Integer, Long> perConnection = server.commands().stream().filter(c -> c.line().startsWith("MAIL FROM"))
                    .collect(Collectors.groupingBy(RecordedCommand::connectionIndex, Collectors.counting()));
            assertThat(perConnection.values()).as("some connection carried several callers' messages")
                    .anyMatch(n -> n > 1);
            assertThat(server.messages()).hasSize(SENDS);
        }
    }

    @Test
    void eachCallerGetsItsOwnLedgerWhenOthersOnTheFlightAreRefused() throws Exception {
        try (SmtpConnectionPool pool = pool(1, Duration.ofSeconds(10), SendingOptions.DEFAULTS);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            server.setDefaultScript(holdingFirstEndOfData(() -> allHandedIn(delivery, SENDS))
                    .rcptReply((s, address) -> address.startsWith("refused") ? List.of("550 5.1.1 no such user") : null)
                    .endOfDataReply((s, content) -> content.contains("REFUSE-ME")
                            ? List.of("554 5.7.1 content refused") : null)
                    .build());
            List<OutgoingMessage> messages = new ArrayList<>(singles(SENDS));
            messages.set(3, ClientFixtures.message(sender(3), 300, "refused-3@example.net"));
            messages.set(5, ClientFixtures.message(sender(5), 300, ClientFixtures.rcpt(5), "refused-5@example.net"));
            messages.set(9, ClientFixtures.message("REFUSE-ME\r\n", ClientFixtures.rcpt(9)));
            List<BatchDelivery.Outcome> outcomes = sendConcurrently(delivery, messages);
            for (int i = 0; i < SENDS; i++) {
                MessageLedger ledger = outcomes.get(i).ledgers().get(0);
                assertThat(ledger.recipients()).extracting(RecipientResult::address)
                        .as("caller %d gets the ledger of its own envelope", i)
                        .isEqualTo(messages.get(i).envelope().recipients());
                switch (i) {
                    case 3 -> {
                        assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
                        assertThat(ledger.recipients().get(0).error().orElseThrow().code()).isEqualTo(550);
                    }
                    case 5 -> {
                        assertThat(ledger.recipients()).extracting(RecipientResult::status)
                                .containsExactly(RecipientStatus.SUCCEEDED, RecipientStatus.FAILED);
                    }
                    case 9 -> {
                        assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
                        assertThat(ledger.recipients().get(0).error().orElseThrow().code()).isEqualTo(554);
                    }
                    default -> assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
                }
            }
            assertThat(server.messages()).hasSize(SENDS - 2);
        }
    }

    @Test
    void a421MidFlightEndsOnlyTheMessagesOnThatConnection() throws Exception {
        int sends = 12;
        try (SmtpConnectionPool pool = pool(2, Duration.ofSeconds(10), SendingOptions.DEFAULTS);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            int[] endsOfData = new int[1];
            boolean[] firstData = {true};
            // the first connection: holds its first DATA until every send is in (so that one rides behind the
            // first content: late joiners), says 421 to its second end of data
            server.enqueue(StandardSession.builder().dataReply((s, line) -> {
                if (firstData[0]) {
                    firstData[0] = false;
                    awaitCondition(() -> allHandedIn(delivery, sends));
                }
                return null;
            }).endOfDataReply((s, content) -> {
                if (++endsOfData[0] == 2) {
                    s.reply("421 4.3.2 Service shutting down");
                    s.closeFin();
                    s.stallUntilClientCloses();
                    return List.of();
                }
                return null;
            }).build());
            // the other connection holds its first end of data until the first carries a second message, so
            // that it cannot take every send while the first waits
            server.setDefaultScript(holdingFirstEndOfData(() -> server.commands().stream()
                    .filter(c -> c.connectionIndex() == 0 && c.line().startsWith("MAIL FROM")).count() >= 2).build());
            List<OutgoingMessage> messages = singles(sends);
            List<BatchDelivery.Outcome> outcomes = sendConcurrently(delivery, messages);
            Set<String> onOtherConnections = server.commands().stream().filter(c -> c.connectionIndex() != 0)
                    .map(RecordedCommand::line).filter(l -> l.startsWith("MAIL FROM")).collect(Collectors.toSet());
            Map<String, Long> stored = server.messages().stream()
                    .collect(Collectors.groupingBy(m -> m.mailFrom(), Collectors.counting()));
            boolean saw421 = false;
            for (int i = 0; i < sends; i++) {
                MessageLedger ledger = outcomes.get(i).ledgers().get(0);
                long copies = stored.getOrDefault(sender(i), 0L);
                String mailFrom = "<" + sender(i) + ">";
                if (ledger.status() != MessageStatus.SUCCEEDED) {
                    // only what was on the connection that said 421: its reply, or cut off by it
                    assertThat(ledger.recipients().get(0).error().orElseThrow().toString())
                            .as("message %d: %s", i, ledger).contains("421");
                    assertThat(onOtherConnections).noneMatch(l -> l.contains(mailFrom));
                }
                switch (ledger.status()) {
                    case SUCCEEDED -> assertThat(copies).as("message %d SUCCEEDED stored once", i).isEqualTo(1);
                    case FAILED -> assertThat(copies).as("message %d FAILED never stored", i).isZero();
                    default -> assertThat(copies).as("message %d UNKNOWN at most once", i).isLessThanOrEqualTo(1);
                }
                saw421 |= ledger.recipients().get(0).error().map(e -> e.code() == 421).orElse(false);
            }
            assertThat(outcomes).filteredOn(o -> o.ledgers().get(0).status() == MessageStatus.SUCCEEDED)
                    .as("the other connection's messages are delivered").hasSizeGreaterThan(sends / 2);
            assertThat(saw421).as("the message whose end of data got 421 is FAILED with it").isTrue();
            assertThat(pool.active()).isZero();
        }
    }

    @Test
    void aSendWaitsInTheQueueAtMostTheMaxWaitThenFailsNotSent() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstInData = new CountDownLatch(1);
        try (SmtpConnectionPool pool = pool(1, Duration.ofMillis(300), SendingOptions.DEFAULTS);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            server.setDefaultScript(StandardSession.builder().endOfDataReply((s, content) -> {
                firstInData.countDown();
                release.await(10, TimeUnit.SECONDS);
                return null;
            }).build());
            Future<BatchDelivery.Outcome> first = threads.submit(() -> delivery.deliver(
                    List.of(ClientFixtures.message(sender(0), 300, ClientFixtures.rcpt(0)))));
            assertThat(firstInData.await(5, TimeUnit.SECONDS)).isTrue();
            BatchDelivery.Outcome second = delivery.deliver(List.of(ClientFixtures.message(sender(1), 300,
                    ClientFixtures.rcpt(1))));
            MessageLedger ledger = second.ledgers().get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledger.started()).isFalse();
            assertThat(second.connectionFailure()).isInstanceOf(SmtpPoolTimeoutException.class)
                    .hasMessageContaining("no SMTP connection within 300 ms");
            release.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS).ledgers().get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(server.commands()).extracting(RecordedCommand::line)
                    .noneMatch(l -> l.contains(sender(1)));
            assertThat(delivery.load()).isEqualTo(new BatchDelivery.Load(0, 0));
        }
    }

    @Test
    void anInterruptedCallerWhoseSendIsQueuedGetsItBackFailedAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstInData = new CountDownLatch(1);
        try (SmtpConnectionPool pool = pool(1, Duration.ofSeconds(10), SendingOptions.DEFAULTS);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            server.setDefaultScript(StandardSession.builder().endOfDataReply((s, content) -> {
                firstInData.countDown();
                release.await(10, TimeUnit.SECONDS);
                return null;
            }).build());
            Future<BatchDelivery.Outcome> first = threads.submit(() -> delivery.deliver(
                    List.of(ClientFixtures.message(sender(0), 300, ClientFixtures.rcpt(0)))));
            assertThat(firstInData.await(5, TimeUnit.SECONDS)).isTrue();
            Thread[] waiter = new Thread[1];
            Future<BatchDelivery.Outcome> second = threads.submit(() -> {
                waiter[0] = Thread.currentThread();
                return delivery.deliver(List.of(ClientFixtures.message(sender(1), 300, ClientFixtures.rcpt(1))));
            });
            awaitCondition(() -> delivery.load().queued() == 1);
            assertThat(delivery.load().queued()).isEqualTo(1);
            waiter[0].interrupt();
            MessageLedger ledger = second.get(2, TimeUnit.SECONDS).ledgers().get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledger.recipients().get(0).error().orElseThrow().toString()).contains("interrupted");
            release.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS).ledgers().get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(server.messages()).hasSize(1);
        }
    }
}
