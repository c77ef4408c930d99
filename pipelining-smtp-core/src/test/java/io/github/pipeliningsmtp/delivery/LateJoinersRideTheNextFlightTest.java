package io.github.pipeliningsmtp.delivery;

import static io.github.pipeliningsmtp.delivery.LateJoinerSends.sender;
import static io.github.pipeliningsmtp.delivery.LateJoinerSends.single;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.PipeliningRelay;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.RelayOptions;
import io.github.pipeliningsmtp.testing.ReplyFunction;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lazily fed flights (issue 14, item 1): a send that arrives while a lane's call is in progress
 * joins that call's next flight. With DATA its envelope rides behind the content of the open
 * transaction, so a busy connection costs one round trip per message, and each caller gets its
 * ledger as soon as its own content was answered.
 *
 * <p>To make "arrives while a flight is in progress" certain, the server holds its reply to the
 * first DATA of the first connection until the test has queued the late joiners ({@link
 * BatchDelivery#submit} returns once a send is queued). A {@link PipeliningRelay} between client and
 * server counts the client's flights on the wire.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LateJoinersRideTheNextFlightTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final CountDownLatch inData = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private PipeliningRelay relay;

    @BeforeEach
    void startRelay() throws Exception {
        relay = PipeliningRelay.start(server.host(), server.port(), RelayOptions.defaults().withInsertPipelining(false));
    }

    @AfterEach
    void tearDown() throws Exception {
        release.countDown();
        relay.close();
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    private SmtpConnectionPool pool(int max) {
        return new SmtpConnectionPool(ClientFixtures.settings(relay.port()).build(), SendingOptions.DEFAULTS,
                PoolSettings.builder().maxConnections(max).maxWait(Duration.ofSeconds(10)).build(), SmtpListener.NONE);
    }

    /**
     * Holds the reply to the first DATA the server gets until {@link #release}; the relay's counters
     * start from there, so they count the flights after the first caller's envelope.
     */
    private ReplyFunction holdingFirstData() {
        AtomicBoolean first = new AtomicBoolean(true);
        return (s, line) -> {
            if (first.getAndSet(false)) {
                relay.resetCounters();
                inData.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
            return null;
        };
    }

    /** Sends {@code first} alone, then, while its first flight waits for DATA's reply, queues the others. */
    private List<BatchDelivery.Outcome> lateJoiners(BatchDelivery delivery, OutgoingMessage first,
                                                    List<OutgoingMessage> late) throws Exception {
        List<BatchDelivery.Pending> pending = LateJoinerSends.behindHeldFirst(delivery, first, late, inData,
                "the first caller's DATA reached the server");
        release.countDown();
        List<BatchDelivery.Outcome> outcomes = new ArrayList<>();
        for (BatchDelivery.Pending p : pending) {
            outcomes.add(p.outcome().get(10, TimeUnit.SECONDS));
        }
        return outcomes;
    }

    /** The senders of the MAIL FROM commands the server read on a connection, in order. */
    private List<String> mailFromsOn(int connection) {
        return server.commands().stream().filter(c -> c.connectionIndex() == connection)
                .map(RecordedCommand::line).filter(l -> l.startsWith("MAIL FROM:<"))
                .map(l -> l.substring("MAIL FROM:<".length(), l.indexOf('>'))).toList();
    }

    private static MessageLedger ledger(BatchDelivery.Outcome outcome) {
        assertThat(outcome.ledgers()).hasSize(1);
        return outcome.ledgers().get(0);
    }

    @Test
    void aSendArrivingDuringAFlightRidesBehindThePreviousContentInTheSameFlight() throws Exception {
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirstData()).build());
        try (SmtpConnectionPool pool = pool(1); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Outcome> outcomes = lateJoiners(delivery, single(0), List.of(single(1)));
            assertThat(outcomes).allSatisfy(o -> assertThat(ledger(o).status()).isEqualTo(MessageStatus.SUCCEEDED));
            // after the first envelope: the first content with the second envelope behind it, then the second
            // content; two calls would have cost three (content, envelope, content)
            assertThat(relay.roundTrips()).as("flights on the wire after the first envelope").isEqualTo(2);
            assertThat(outcomes.get(0).roundTrips() + outcomes.get(1).roundTrips()).isEqualTo(3);
            assertThat(server.connectionCount()).isEqualTo(1);
            assertThat(mailFromsOn(0)).containsExactly(sender(0), sender(1));
            assertThat(server.messages()).hasSize(2);
        }
    }

    @Test
    void aCallerGetsItsLedgerOnceItsContentIsAnsweredNotWhenTheFlightsEnd() throws Exception {
        AtomicReference<BatchDelivery.Pending> first = new AtomicReference<>();
        AtomicBoolean firstDoneBeforeSecondAnswered = new AtomicBoolean();
        AtomicInteger endsOfData = new AtomicInteger();
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirstData()).endOfDataReply((s, c) -> {
            if (endsOfData.incrementAndGet() == 2) {
                // the second caller's content: the first caller's outcome must be there already
                try {
                    first.get().outcome().get(5, TimeUnit.SECONDS);
                    firstDoneBeforeSecondAnswered.set(true);
                } catch (java.util.concurrent.TimeoutException e) {
                    firstDoneBeforeSecondAnswered.set(false);
                }
            }
            return null;
        }).build());
        try (SmtpConnectionPool pool = pool(1); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            first.set(delivery.submit(List.of(single(0))));
            assertThat(inData.await(5, TimeUnit.SECONDS)).isTrue();
            BatchDelivery.Pending second = delivery.submit(List.of(single(1)));
            release.countDown();
            assertThat(ledger(second.outcome().get(10, TimeUnit.SECONDS)).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(ledger(first.get().outcome().get()).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(firstDoneBeforeSecondAnswered).as("the first caller was answered while the flights went on")
                    .isTrue();
            assertThat(server.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void eachLateJoinerGetsItsOwnLedgerWhenAnotherIsRefused() throws Exception {
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirstData())
                .rcptReply((s, address) -> address.startsWith("refused") ? List.of("550 5.1.1 no such user") : null)
                .endOfDataReply((s, content) -> content.contains("refuse-content")
                        ? List.of("554 5.7.1 content refused") : null)
                .build());
        List<OutgoingMessage> late = List.of(
                ClientFixtures.message(sender(1), 300, "refused-1@example.net"),
                ClientFixtures.message(sender(2), 300, "refuse-content-2@example.net"),
                ClientFixtures.message(sender(3), 300, ClientFixtures.rcpt(3), "refused-3@example.net"),
                single(4));
        try (SmtpConnectionPool pool = pool(1); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Outcome> outcomes = lateJoiners(delivery, single(0), late);
            for (int i = 0; i < outcomes.size(); i++) {
                OutgoingMessage sent = i == 0 ? single(0) : late.get(i - 1);
                assertThat(ledger(outcomes.get(i)).envelope()).as("caller %d gets its own envelope's ledger", i)
                        .isEqualTo(sent.envelope());
            }
            assertThat(ledger(outcomes.get(0)).status()).isEqualTo(MessageStatus.SUCCEEDED);
            MessageLedger refusedAtRcpt = ledger(outcomes.get(1));
            assertThat(refusedAtRcpt.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(refusedAtRcpt.recipients().get(0).error().orElseThrow().code()).isEqualTo(550);
            MessageLedger refusedContent = ledger(outcomes.get(2));
            assertThat(refusedContent.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(refusedContent.recipients().get(0).error().orElseThrow().code()).isEqualTo(554);
            assertThat(ledger(outcomes.get(3)).recipients()).extracting(RecipientResult::status)
                    .containsExactly(io.github.pipeliningsmtp.client.RecipientStatus.SUCCEEDED,
                            io.github.pipeliningsmtp.client.RecipientStatus.FAILED);
            assertThat(ledger(outcomes.get(4)).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(server.connectionCount()).as("every late joiner rode on the first connection").isEqualTo(1);
            assertThat(server.messages()).extracting(m -> m.mailFrom())
                    .containsExactlyInAnyOrder(sender(0), sender(3), sender(4));
        }
    }

    @Test
    void a421MidFlightEndsTheLateJoinerOnItByTheUsualRulesAndTheQueuedOneGoesOnANewConnection() throws Exception {
        server.enqueue(StandardSession.builder().dataReply(holdingFirstData()).endOfDataReply((s, content) -> {
            s.reply("421 4.3.2 Service shutting down");
            s.closeFin();
            s.stallUntilClientCloses();
            return List.of();
        }).build());
        server.setDefaultScript(new StandardSession());
        try (SmtpConnectionPool pool = pool(1); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Outcome> outcomes = lateJoiners(delivery, single(0), List.of(single(1), single(2)));
            MessageLedger first = ledger(outcomes.get(0));
            assertThat(first.status()).as(first.toString()).isEqualTo(MessageStatus.FAILED);
            assertThat(first.recipients().get(0).error().orElseThrow().code()).isEqualTo(421);
            // the rider's MAIL FROM went behind the content that got 421: written, never answered, no content
            MessageLedger rider = ledger(outcomes.get(1));
            assertThat(rider.status()).as(rider.toString()).isEqualTo(MessageStatus.FAILED);
            assertThat(rider.started()).isTrue();
            assertThat(rider.contentCommitted()).isFalse();
            // the server read nothing after the content it answered with 421; never sent twice
            assertThat(mailFromsOn(0)).containsExactly(sender(0));
            assertThat(mailFromsOn(1)).doesNotContain(sender(1));
            // still queued when the connection ended: sent on the next connection, once
            assertThat(ledger(outcomes.get(2)).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(mailFromsOn(1)).containsExactly(sender(2));
            assertThat(server.messages()).extracting(m -> m.mailFrom()).containsExactly(sender(2));
            assertThat(pool.active()).isZero();
        }
    }

    @Test
    void aLateJoinerOverMailmaxStaysQueuedForTheNextConnection() throws Exception {
        AtomicInteger queuedAtSecondContent = new AtomicInteger(-1);
        AtomicReference<BatchDelivery> deliveryRef = new AtomicReference<>();
        AtomicInteger endsOfData = new AtomicInteger();
        server.setDefaultScript(StandardSession.builder()
                .ehloReply("250-mail.example.com", "250-PIPELINING", "250-LIMITS MAILMAX=2", "250 8BITMIME")
                .dataReply(holdingFirstData())
                .endOfDataReply((s, content) -> {
                    if (endsOfData.incrementAndGet() == 2) {
                        queuedAtSecondContent.set(deliveryRef.get().load().queued());
                    }
                    return null;
                }).build());
        try (SmtpConnectionPool pool = pool(1); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            deliveryRef.set(delivery);
            List<BatchDelivery.Outcome> outcomes = lateJoiners(delivery, single(0), List.of(single(1), single(2)));
            assertThat(outcomes).allSatisfy(o -> assertThat(ledger(o).status()).isEqualTo(MessageStatus.SUCCEEDED));
            // MAILMAX=2: the second rides on the first connection, the third may not and waits in the queue
            assertThat(mailFromsOn(0)).containsExactly(sender(0), sender(1));
            assertThat(queuedAtSecondContent).as("the third was still queued while the second was sent").hasValue(1);
            assertThat(mailFromsOn(1)).containsExactly(sender(2));
            assertThat(server.messages()).hasSize(3);
        }
    }

    @Test
    void anInterruptedLateJoinerWhoseFlightCarriesOnlyAnsweredCallersEndsTheFlight() throws Exception {
        CountDownLatch secondContentHeld = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        AtomicInteger endsOfData = new AtomicInteger();
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirstData()).endOfDataReply((s, c) -> {
            if (endsOfData.incrementAndGet() == 2) {
                secondContentHeld.countDown();
                releaseSecond.await(10, TimeUnit.SECONDS);
            }
            return null;
        }).build());
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (SmtpConnectionPool pool = pool(1); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            BatchDelivery.Pending first = delivery.submit(List.of(single(0)));
            assertThat(inData.await(5, TimeUnit.SECONDS)).isTrue();
            AtomicReference<Thread> caller = new AtomicReference<>();
            java.util.concurrent.Future<BatchDelivery.Outcome> second = threads.submit(() -> {
                caller.set(Thread.currentThread());
                return delivery.deliver(List.of(single(1)));
            });
            while (delivery.load().queued() < 1) {
                Thread.onSpinWait(); // the second send is queued: it will ride behind the first content
            }
            release.countDown();
            // the first caller was answered with the first content; the second's content waits for its reply
            assertThat(ledger(first.outcome().get(5, TimeUnit.SECONDS)).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(secondContentHeld.await(5, TimeUnit.SECONDS)).isTrue();
            caller.get().interrupt();
            // every caller of the call that is not answered yet was interrupted: the lane ends the flight at
            // once (the server still holds its reply), rather than returning early while it goes on
            MessageLedger interrupted = ledger(second.get(5, TimeUnit.SECONDS));
            assertThat(releaseSecond.getCount()).as("the flight ended before the server answered").isEqualTo(1);
            assertThat(interrupted.status()).as(interrupted.toString()).isEqualTo(MessageStatus.UNKNOWN);
            assertThat(interrupted.recipients().get(0).error().orElseThrow().toString())
                    .doesNotContain("shared with other callers");
        } finally {
            releaseSecond.countDown();
            threads.shutdownNow();
        }
    }
}
