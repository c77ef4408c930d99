package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Automatic retry sends again only recipients FAILED with a transient reply, in a new transaction,
 * within its attempts and budget; never UNKNOWN, never a recipient that succeeded, never a
 * permanent refusal; and its wait ends when the thread is interrupted.
 */
class RetryIsOnlyForWhatIsSafeTest {

    private static final RetryPolicy.Builder RETRY = RetryPolicy.builder().enabled(true).maxAttempts(5)
            .initialBackOff(Duration.ofSeconds(1)).maxBackOff(Duration.ofSeconds(1)).jitter(0)
            .budget(Duration.ofSeconds(30));

    private final Map<String, AtomicInteger> rcpts = new ConcurrentHashMap<>();

    private int seen(String address) {
        return rcpts.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    }

    @Test
    void onlyTheTransientlyRefusedRecipientIsSentAgainInANewTransaction() throws Exception {
        StandardSession session = StandardSession.builder().rcptReply((s, address) -> {
            int n = seen(address);
            if (address.startsWith("later")) {
                return n == 1 ? List.of("450 4.2.0 Mailbox busy") : null;
            }
            return address.startsWith("never") ? List.of("550 5.1.1 User unknown") : null;
        }).build();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(session);
            MessageLedger ledger = deliver(server, RETRY.build(), new ManualRetryClock(),
                    ClientFixtures.message(100, "later@example.net", "never@example.net", "now@example.net")).ledger;

            assertThat(status(ledger, 0)).isEqualTo(RecipientStatus.SUCCEEDED);
            assertThat(ledger.recipients().get(0).attempts()).isEqualTo(2);
            assertThat(status(ledger, 1)).isEqualTo(RecipientStatus.FAILED);
            assertThat(ledger.recipients().get(1).error().orElseThrow().type()).isEqualTo(FailureType.PERMANENT);
            assertThat(ledger.recipients().get(1).attempts()).isEqualTo(1);
            assertThat(status(ledger, 2)).isEqualTo(RecipientStatus.SUCCEEDED);
            assertThat(ledger.recipients().get(2).attempts()).isEqualTo(1);
            assertThat(rcpts.get("never@example.net")).hasValue(1);
            assertThat(rcpts.get("now@example.net")).hasValue(1);
            // two transactions: the first to now@, the retry to later@ alone
            assertThat(server.messages()).extracting(m -> m.recipients())
                    .containsExactly(List.of("now@example.net"), List.of("later@example.net"));
            ClientFixtures.closeCleanly(server);
        }
    }

    @Test
    void aMessageWhoseEndOfDataWentUnansweredIsUnknownAndNeverSentAgain() throws Exception {
        AtomicInteger contents = new AtomicInteger();
        StandardSession session = StandardSession.builder().endOfDataReply((s, content) -> {
            contents.incrementAndGet();
            s.closeRst();
            throw new SocketException("dropped after the end of data");
        }).build();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(session);
            MessageLedger ledger = deliver(server, RETRY.build(), new ManualRetryClock(),
                    ClientFixtures.message(100, "a@example.net")).ledger;
            assertThat(status(ledger, 0)).isEqualTo(RecipientStatus.UNKNOWN);
            assertThat(ledger.recipients().get(0).attempts()).isEqualTo(1);
            assertThat(contents).hasValue(1);
        }
    }

    @Test
    void noAttemptStartsAfterTheBudget() throws Exception {
        StandardSession session = StandardSession.builder()
                .rcptReply((s, address) -> List.of("451 4.3.0 Try later")).build();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(session);
            ManualRetryClock clock = new ManualRetryClock();
            Delivered d = deliver(server, RETRY.maxAttempts(10).budget(Duration.ofSeconds(3)).build(), clock,
                    ClientFixtures.message(100, "a@example.net"));
            // waits of 1 s at 1, 2 and 3 s into the budget; a fourth would start after it
            assertThat(d.ledger.recipients().get(0).attempts()).isEqualTo(4);
            assertThat(status(d.ledger, 0)).isEqualTo(RecipientStatus.FAILED);
            assertThat(d.waited).isEqualTo(Duration.ofSeconds(3));
            assertThat(server.messages()).isEmpty();
            ClientFixtures.closeCleanly(server);
        }
    }

    @Test
    void anInterruptEndsTheWaitAndNothingMoreIsSent() throws Exception {
        StandardSession session = StandardSession.builder()
                .rcptReply((s, address) -> List.of("451 4.3.0 Try later")).build();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(session);
            CountDownLatch waiting = new CountDownLatch(1);
            SmtpListener listener = new SmtpListener() {
                @Override
                public void retrying(int messages, int recipients, Duration backOff) {
                    waiting.countDown();
                }
            };
            RetryPolicy tenSeconds = RETRY.initialBackOff(Duration.ofSeconds(10)).maxBackOff(Duration.ofSeconds(10))
                    .budget(Duration.ofSeconds(60)).build();
            Future<Delivered> send = thread.submit(() -> deliver(server, tenSeconds, RetryClock.SYSTEM, listener,
                    ClientFixtures.message(100, "a@example.net")));
            assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();
            thread.shutdownNow(); // interrupts the sending thread in its back-off
            Delivered d = send.get(5, TimeUnit.SECONDS);
            assertThat(d.ledger.recipients().get(0).attempts()).isEqualTo(1);
            assertThat(d.waited).isLessThan(Duration.ofSeconds(10));
            assertThat(d.interrupted).as("the interrupt is kept").isTrue();
        } finally {
            thread.shutdownNow();
        }
    }

    private static RecipientStatus status(MessageLedger ledger, int i) {
        RecipientResult r = ledger.recipients().get(i);
        return r.status();
    }

    /** The ledger, the time waited and whether the thread was interrupted when the delivery returned. */
    private record Delivered(MessageLedger ledger, Duration waited, boolean interrupted) {
    }

    private static Delivered deliver(ScriptedSmtpServer server, RetryPolicy policy, RetryClock clock,
                                     io.github.pipeliningsmtp.client.OutgoingMessage message) {
        return deliver(server, policy, clock, SmtpListener.NONE, message);
    }

    private static Delivered deliver(ScriptedSmtpServer server, RetryPolicy policy, RetryClock clock,
                                     SmtpListener listener, io.github.pipeliningsmtp.client.OutgoingMessage message) {
        try (SmtpConnectionPool pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                io.github.pipeliningsmtp.client.SendingOptions.DEFAULTS,
                PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(5)).build(), listener);
             BatchDelivery batch = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            RetryingDelivery.Outcome o = new RetryingDelivery(batch, policy, listener, clock).deliver(List.of(message));
            return new Delivered(o.batch().ledgers().get(0), o.waited(), Thread.interrupted());
        }
    }
}
