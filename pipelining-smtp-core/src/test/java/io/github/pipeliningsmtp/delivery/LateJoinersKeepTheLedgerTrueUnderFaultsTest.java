package io.github.pipeliningsmtp.delivery;

import static io.github.pipeliningsmtp.delivery.LateJoinerSends.sender;
import static io.github.pipeliningsmtp.delivery.LateJoinerSends.single;
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
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ReplyFunction;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lazily fed flights under faults: a late joiner (a send queued while a lane's call runs, riding in
 * that call's next flight) refused, cut off or limited must end with the ledger the server's store
 * says, recipient by recipient: SUCCEEDED only when stored once, FAILED only when not stored, never
 * stored twice. The server holds its reply to the first DATA (or first BDAT) until the late joiners
 * are queued, so that they certainly join the call in progress.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LateJoinersKeepTheLedgerTrueUnderFaultsTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() throws Exception {
        release.countDown();
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    private SmtpConnectionPool pool(UnaryOperator<PoolSettings.Builder> settings) {
        return new SmtpConnectionPool(ClientFixtures.settings(server).build(), SendingOptions.DEFAULTS,
                settings.apply(PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(10))).build(),
                SmtpListener.NONE);
    }

    /** Holds the first reply it is asked for until {@link #release}. */
    private ReplyFunction holdingFirst() {
        AtomicBoolean first = new AtomicBoolean(true);
        return (s, line) -> {
            if (first.getAndSet(false)) {
                held.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
            return null;
        };
    }

    private List<BatchDelivery.Pending> firstThenLate(BatchDelivery delivery, OutgoingMessage first,
                                                      List<OutgoingMessage> late) throws Exception {
        return LateJoinerSends.behindHeldFirst(delivery, first, late, held,
                "the first caller's flight reached the server");
    }

    private static List<MessageLedger> ledgers(List<BatchDelivery.Pending> pending) throws Exception {
        List<MessageLedger> ledgers = new ArrayList<>();
        for (BatchDelivery.Pending p : pending) {
            BatchDelivery.Outcome o = p.outcome().get(10, TimeUnit.SECONDS);
            assertThat(o.ledgers()).hasSize(1);
            ledgers.add(o.ledgers().get(0));
        }
        return ledgers;
    }

    /**
     * The rule of LedgerEqualsMailboxIT on the scripted store: each recipient SUCCEEDED is stored
     * exactly once under its own sender, each FAILED is not stored; nothing is stored twice.
     */
    private void assertLedgerEqualsStore(List<MessageLedger> ledgers) {
        List<StoredMessage> stored = server.messages();
        for (MessageLedger ledger : ledgers) {
            String from = ledger.envelope().mailFrom();
            for (RecipientResult r : ledger.recipients()) {
                long copies = stored.stream().filter(m -> m.mailFrom().equals(from)
                        && m.recipients().contains(r.address())).count();
                assertThat(copies).as("copies of %s's message to %s: %s", from, r.address(), ledger).isLessThanOrEqualTo(1);
                if (r.status() == RecipientStatus.SUCCEEDED) {
                    assertThat(copies).as("SUCCEEDED %s -> %s is stored: %s", from, r.address(), ledger).isEqualTo(1);
                } else if (r.status() == RecipientStatus.FAILED) {
                    assertThat(copies).as("FAILED %s -> %s is not stored: %s", from, r.address(), ledger).isZero();
                }
            }
        }
        for (StoredMessage m : stored) {
            assertThat(ledgers.stream().anyMatch(l -> l.envelope().mailFrom().equals(m.mailFrom())
                    && l.envelope().recipients().containsAll(m.recipients())))
                    .as("stored %s -> %s under the sender of a ledger with those recipients", m.mailFrom(), m.recipients())
                    .isTrue();
        }
    }

    private List<String> mailFroms() {
        return server.commands().stream().map(RecordedCommand::line).filter(l -> l.startsWith("MAIL FROM:<"))
                .map(l -> l.substring("MAIL FROM:<".length(), l.indexOf('>'))).toList();
    }

    @Test
    void aLateJoinerAfterARefusedTransactionIsResetFirstOnAServerThatKeepsIt() throws Exception {
        // Exim keeps a transaction whose RCPT TO were all refused: without RSET the next MAIL FROM gets
        // 503 sender already given and the message is stored under the refused one's sender
        server.setDefaultScript(StandardSession.builder().keepTransactionAfterFailure(true).dataReply(holdingFirst())
                .rcptReply((s, a) -> a.startsWith("refused") ? List.of("550 5.1.1 no such user") : null).build());
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(
                    ClientFixtures.message(sender(1), 300, "refused-1@example.net"), single(2), single(3)));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(ledgers).extracting(MessageLedger::status).containsExactly(MessageStatus.SUCCEEDED,
                    MessageStatus.FAILED, MessageStatus.SUCCEEDED, MessageStatus.SUCCEEDED);
            assertLedgerEqualsStore(ledgers);
            assertThat(server.messages()).extracting(StoredMessage::mailFrom)
                    .containsExactlyInAnyOrder(sender(0), sender(2), sender(3));
        }
    }

    @Test
    void aBdatLateJoinerAfterARefusedLastChunkIsResetFirstOnAServerThatKeepsIt() throws Exception {
        // Exim keeps the transaction of a refused BDAT LAST: the next flight's MAIL FROM needs RSET first.
        // Three flights of one call: the first message; the joiner with the refused content; the joiners
        // queued while that one's flight was out
        AtomicBoolean first = new AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicReference<BatchDelivery> deliveryRef = new java.util.concurrent.atomic.AtomicReference<>();
        List<BatchDelivery.Pending> more = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.setDefaultScript(StandardSession.builder().chunking(true).keepTransactionAfterFailure(true)
                .bdatReply((s, line) -> {
                    if (first.getAndSet(false)) {
                        held.countDown();
                        release.await(10, TimeUnit.SECONDS);
                    }
                    return null;
                })
                .endOfDataReply((s, content) -> {
                    if (!content.contains("refuse-content")) {
                        return null;
                    }
                    for (int i = 2; i < 5; i++) {
                        more.add(deliveryRef.get().submit(List.of(single(i))));
                    }
                    return List.of("550 5.7.1 content refused");
                }).build());
        OutgoingMessage refusedContent = ClientFixtures.message(sender(1), 300, "refuse-content-1@example.net");
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            deliveryRef.set(delivery);
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(refusedContent));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(more).hasSize(3);
            ledgers.addAll(ledgers(more));
            assertThat(ledgers.get(1).status()).as(ledgers.get(1).toString()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledgers.subList(2, 5)).allSatisfy(l -> assertThat(l.status()).as(l.toString())
                    .isEqualTo(MessageStatus.SUCCEEDED));
            assertLedgerEqualsStore(ledgers);
            assertThat(server.messages()).extracting(StoredMessage::mailFrom)
                    .containsExactlyInAnyOrder(sender(0), sender(2), sender(3), sender(4));
            assertThat(server.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void a421ToALateJoinersMailFromKeepsThePreviousContentsAcceptanceAndSendsTheQueuedOnesElsewhere()
            throws Exception {
        server.enqueue(StandardSession.builder().dataReply(holdingFirst()).mailReply((s, address) -> {
            if (address.equals(sender(1))) {
                s.reply("421 4.3.2 Service shutting down");
                s.closeFin();
                s.stallUntilClientCloses();
                return List.of();
            }
            return null;
        }).build());
        server.setDefaultScript(new StandardSession());
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(single(1), single(2)));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(ledgers.get(0).status()).as("the content before the 421 got 250").isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(ledgers.get(1).status()).as(ledgers.get(1).toString()).isNotEqualTo(MessageStatus.SUCCEEDED);
            assertThat(ledgers.get(2).status()).as(ledgers.get(2).toString()).isEqualTo(MessageStatus.SUCCEEDED);
            assertLedgerEqualsStore(ledgers);
        }
    }

    @Test
    void aCutDuringALateJoinersContentLeavesItUnknownAndNeverSendsItTwice() throws Exception {
        AtomicInteger endsOfData = new AtomicInteger();
        server.enqueue(StandardSession.builder().dataReply(holdingFirst()).endOfDataReply((s, content) -> {
            if (endsOfData.incrementAndGet() == 2) {
                // the late joiner's content was read, its reply never comes
                s.closeFin();
                s.stallUntilClientCloses();
                return List.of();
            }
            return null;
        }).build());
        server.setDefaultScript(new StandardSession());
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(single(1), single(2)));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(ledgers.get(1).status()).as(ledgers.get(1).toString()).isEqualTo(MessageStatus.UNKNOWN);
            assertThat(mailFroms().stream().filter(sender(1)::equals)).as("the UNKNOWN one is never sent again")
                    .hasSize(1);
            // the next joiner's MAIL FROM rode behind the content that was cut: written, never answered, no
            // content written, so FAILED (not resent: its MAIL FROM was written)
            assertThat(ledgers.get(2).status()).as(ledgers.get(2).toString()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledgers.get(2).contentCommitted()).isFalse();
            assertThat(mailFroms().stream().filter(sender(2)::equals)).hasSizeLessThanOrEqualTo(1);
            assertLedgerEqualsStore(ledgers);
        }
    }

    @Test
    void aLateJoinerOverRcptmaxIsSplitAndEveryRecipientIsDeliveredOnce() throws Exception {
        server.setDefaultScript(StandardSession.builder()
                .ehloReply("250-mail.example.com", "250-PIPELINING", "250-LIMITS RCPTMAX=2", "250 8BITMIME")
                .dataReply(holdingFirst()).build());
        OutgoingMessage wide = ClientFixtures.message(sender(1), 300, "a@example.net", "b@example.net", "c@example.net",
                "d@example.net", "e@example.net");
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(wide, single(2)));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(ledgers).allSatisfy(l -> assertThat(l.status()).as(l.toString()).isEqualTo(MessageStatus.SUCCEEDED));
            assertThat(ledgers.get(1).recipients()).hasSize(5);
            assertThat(server.messages()).allSatisfy(m -> assertThat(m.recipients().size()).isLessThanOrEqualTo(2));
            assertLedgerEqualsStore(ledgers);
        }
    }

    @Test
    void lateJoinersOverMaxMessagesPerConnectionGoOnAnotherConnectionNotLostNorFailed() throws Exception {
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirst()).build());
        try (SmtpConnectionPool pool = pool(b -> b.maxMessagesPerConnection(2));
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0),
                    List.of(single(1), single(2), single(3), single(4)));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(ledgers).allSatisfy(l -> assertThat(l.status()).as(l.toString()).isEqualTo(MessageStatus.SUCCEEDED));
            for (int c = 0; c < server.connectionCount(); c++) {
                int connection = c;
                assertThat(server.commands().stream().filter(x -> x.connectionIndex() == connection)
                        .filter(x -> x.line().startsWith("MAIL FROM:"))).as("MAIL FROMs on connection %d", c).hasSizeLessThanOrEqualTo(2);
            }
            assertLedgerEqualsStore(ledgers);
        }
    }

    @Test
    void aQueuedJoinerPastMaxWaitWhileTheLaneIsMidFlightFailsNotSentAndIsNeverWritten() throws Exception {
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirst()).build());
        try (SmtpConnectionPool pool = pool(b -> b.maxWait(Duration.ofMillis(300)));
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(single(1)));
            // the server still holds the first DATA: the joiner's wait bound ends first
            MessageLedger expired = pending.get(1).outcome().get(10, TimeUnit.SECONDS).ledgers().get(0);
            assertThat(expired.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(expired.started()).isFalse();
            release.countDown();
            assertThat(pending.get(0).outcome().get(10, TimeUnit.SECONDS).ledgers().get(0).status())
                    .isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(mailFroms()).containsExactly(sender(0));
            assertThat(delivery.load().inFlight()).isZero();
            assertThat(delivery.load().queued()).isZero();
        }
    }

    @Test
    void aLateJoinerCanBeWithdrawnWhileQueuedButNotOnceItsMailFromIsWritten() throws Exception {
        List<BatchDelivery.Pending> joiners = new ArrayList<>();
        AtomicBoolean withdrawnAfterMailFrom = new AtomicBoolean(true);
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirst()).mailReply((s, address) -> {
            if (address.equals(sender(1))) {
                withdrawnAfterMailFrom.set(joiners.get(0).withdraw());
            }
            return null;
        }).build());
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(single(1), single(2)));
            joiners.add(pending.get(1));
            assertThat(pending.get(2).withdraw()).as("a queued joiner can be withdrawn").isTrue();
            release.countDown();
            assertThat(ledgers(pending.subList(0, 2))).extracting(MessageLedger::status)
                    .containsExactly(MessageStatus.SUCCEEDED, MessageStatus.SUCCEEDED);
            assertThat(withdrawnAfterMailFrom).as("withdraw once its MAIL FROM was written").isFalse();
            assertThat(mailFroms()).containsExactly(sender(0), sender(1));
        }
    }

    /** A limit whose budget is due later for every reservation but the first; records what was stored at each wait. */
    private final class Waiting implements io.github.pipeliningsmtp.pacing.SendRateLimit {
        int reservations;
        final List<Integer> storedAtWait = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public Duration acquire(int messages, int recipients) {
            throw new AssertionError("the pipelining runner reserves, then waits");
        }

        @Override
        public synchronized Duration reserve(int messages, int recipients) {
            return reservations++ == 0 ? Duration.ZERO : Duration.ofMillis(50);
        }

        @Override
        public void await(Duration due) {
            if (!due.isNegative() && !due.isZero()) {
                storedAtWait.add(server.messages().size()); // no sleep: only the order matters
            }
        }

        @Override
        public int burst() {
            return 1;
        }

        @Override
        public io.github.pipeliningsmtp.pacing.RateLimitStats stats() {
            return new io.github.pipeliningsmtp.pacing.RateLimitStats(0, 0, Duration.ZERO, 0,
                    io.github.pipeliningsmtp.pacing.StoreState.LOCAL, 0);
        }
    }

    @Test
    void aLateJoinerWaitingForItsBudgetNeverHoldsTheOpenDataTransaction() throws Exception {
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirst()).build());
        Waiting limit = new Waiting();
        SendingOptions options = SendingOptions.builder().pipelining(true).chunking(false).rateLimit(limit).build();
        try (SmtpConnectionPool pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(), options,
                PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(10)).build(), SmtpListener.NONE);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(single(1), single(2)));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(ledgers).allSatisfy(l -> assertThat(l.status()).as(l.toString()).isEqualTo(MessageStatus.SUCCEEDED));
            // each joiner waited for its budget only once the previous content was answered (stored)
            assertThat(limit.storedAtWait).containsExactly(1, 2);
            assertThat(server.connectionCount()).isEqualTo(1);
            assertLedgerEqualsStore(ledgers);
        }
    }

    @Test
    void anInterruptThatEndsTheOnlyCallersFlightLeavesTheQueuedJoinerToBeSentOnAnotherConnection() throws Exception {
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirst()).build());
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            java.util.concurrent.atomic.AtomicReference<Thread> caller = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.Future<BatchDelivery.Outcome> first = threads.submit(() -> {
                caller.set(Thread.currentThread());
                return delivery.deliver(List.of(single(0)));
            });
            assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
            BatchDelivery.Pending joiner = delivery.submit(List.of(single(1)));
            assertThat(delivery.load().queued()).isEqualTo(1);
            caller.get().interrupt();
            // the only caller of the call was interrupted: its flight ends (the server still holds DATA's reply)
            MessageLedger interrupted = first.get(5, TimeUnit.SECONDS).ledgers().get(0);
            assertThat(interrupted.status()).as(interrupted.toString()).isNotEqualTo(MessageStatus.SUCCEEDED);
            // the joiner that was still queued is another caller's send: it must not end with the interrupt
            MessageLedger other = joiner.outcome().get(10, TimeUnit.SECONDS).ledgers().get(0);
            assertThat(other.status()).as(other.toString()).isEqualTo(MessageStatus.SUCCEEDED);
            assertLedgerEqualsStore(List.of(interrupted, other));
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void aCutInABdatFlightOfLateJoinersLeavesNoMoreThanTheWindowUnknownAndResendsOnlyWhatWasNeverWritten()
            throws Exception {
        int window = 5;
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicInteger endsOfData = new AtomicInteger();
        server.enqueue(StandardSession.builder().chunking(true).bdatReply((s, line) -> {
            if (first.getAndSet(false)) {
                held.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
            return null;
        }).endOfDataReply((s, content) -> {
            if (endsOfData.incrementAndGet() == 8) {
                // the seventh late joiner's LAST chunk was read; no reply, the connection ends
                s.closeFin();
                s.stallUntilClientCloses();
                return List.of();
            }
            return null;
        }).build());
        server.setDefaultScript(StandardSession.builder().chunking(true).build());
        SendingOptions options = SendingOptions.builder().chunking(true).maxMessagesInFlight(window).build();
        List<OutgoingMessage> late = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            late.add(single(i));
        }
        try (SmtpConnectionPool pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(), options,
                PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(10)).build(), SmtpListener.NONE);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), late);
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            long unknown = ledgers.stream().filter(l -> l.status() == MessageStatus.UNKNOWN).count();
            assertThat(unknown).as("UNKNOWN: %s", ledgers).isBetween(1L, (long) window);
            assertThat(ledgers).allSatisfy(l -> assertThat(l.status()).as(l.toString())
                    .isIn(MessageStatus.SUCCEEDED, MessageStatus.UNKNOWN));
            for (MessageLedger l : ledgers) {
                if (l.status() == MessageStatus.UNKNOWN) {
                    assertThat(mailFroms().stream().filter(l.envelope().mailFrom()::equals))
                            .as("an UNKNOWN one is never sent again").hasSizeLessThanOrEqualTo(1);
                }
            }
            assertLedgerEqualsStore(ledgers);
        }
    }

    @Test
    void aLateJoinerRefusedAsTooManyRecipientsGetsTheRestSentInAnotherTransactionAndOneLedger() throws Exception {
        // C19 variant A: no LIMITS, the server takes 3 RCPT TO per transaction and answers 452 4.5.3 to more
        AtomicInteger inTransaction = new AtomicInteger();
        server.setDefaultScript(StandardSession.builder().dataReply(holdingFirst())
                .mailReply((s, a) -> {
                    inTransaction.set(0);
                    return null;
                })
                .rcptReply((s, a) -> inTransaction.incrementAndGet() > 3
                        ? List.of("452 4.5.3 Too many recipients") : null).build());
        List<String> many = new ArrayList<>();
        for (int r = 0; r < 8; r++) {
            many.add("m" + r + "@example.net");
        }
        OutgoingMessage wide = ClientFixtures.message(sender(1), 300, many.toArray(String[]::new));
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(wide, single(2)));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(ledgers).allSatisfy(l -> assertThat(l.status()).as(l.toString()).isEqualTo(MessageStatus.SUCCEEDED));
            assertThat(ledgers.get(1).recipients()).extracting(RecipientResult::address).containsExactlyElementsOf(many);
            assertThat(server.messages()).allSatisfy(m -> assertThat(m.recipients().size()).isLessThanOrEqualTo(3));
            assertLedgerEqualsStore(ledgers);
        }
    }

    @Test
    void allOrNothingLateJoinersPartlyRefusedAreAbandonedAndTheNextIsStoredUnderItsOwnSender() throws Exception {
        server.setDefaultScript(StandardSession.builder().keepTransactionAfterFailure(true).dataReply(holdingFirst())
                .rcptReply((s, a) -> a.startsWith("refused") ? List.of("550 5.1.1 no such user") : null).build());
        DeliveryOptions allOrNothing = new DeliveryOptions(io.github.pipeliningsmtp.client.DeliveryPolicy.ALL_OR_NOTHING, false);
        try (SmtpConnectionPool pool = pool(b -> b); BatchDelivery delivery = new BatchDelivery(pool, allOrNothing)) {
            List<BatchDelivery.Pending> pending = firstThenLate(delivery, single(0), List.of(
                    ClientFixtures.message(sender(1), 300, ClientFixtures.rcpt(1), "refused-1@example.net"),
                    single(2), single(3)));
            release.countDown();
            List<MessageLedger> ledgers = ledgers(pending);
            assertThat(ledgers).extracting(MessageLedger::status).containsExactly(MessageStatus.SUCCEEDED,
                    MessageStatus.FAILED, MessageStatus.SUCCEEDED, MessageStatus.SUCCEEDED);
            assertThat(ledgers.get(1).recipients()).allSatisfy(r -> assertThat(r.status()).isEqualTo(RecipientStatus.FAILED));
            assertLedgerEqualsStore(ledgers);
            assertThat(server.messages()).extracting(StoredMessage::mailFrom)
                    .containsExactlyInAnyOrder(sender(0), sender(2), sender(3));
            assertThat(server.connectionCount()).isEqualTo(1);
        }
    }
}
