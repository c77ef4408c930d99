package io.github.pipeliningsmtp.delivery;

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
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Case C10 with lazily fed flights: many threads each sending one message at a time through one
 * {@link BatchDelivery}, so that most sends join a lane's call in progress, against a server that
 * keeps a failed transaction (Exim's behaviour: a MAIL FROM without RSET after a refusal would be
 * stored under the old sender) and refuses some recipients and some contents. Every stored
 * transaction carries one message's sender and recipients only, and each ledger equals the store.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrentLateJoinersNeverMixTransactionsTest {

    private static final int THREADS = 16;
    private static final int PER_THREAD = 15;

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private final ExecutorService threads = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void tearDown() throws Exception {
        threads.shutdownNow();
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    private static String sender(int i) {
        return "sender-" + i + "@example.com";
    }

    /** Message i: to rcpt-i, plus refused-i for every 5th, with content refused for every 7th. */
    private static OutgoingMessage message(int i) {
        List<String> to = new ArrayList<>(List.of(ClientFixtures.rcpt(i)));
        if (i % 5 == 0) {
            to.add("refused-" + i + "@example.net");
        }
        if (i % 11 == 0) {
            to = List.of("refused-" + i + "@example.net");
        }
        if (i % 7 == 0) {
            to = new ArrayList<>(to);
            to.add("refuse-content-" + i + "@example.net");
        }
        return ClientFixtures.message(sender(i), 200, to.toArray(String[]::new));
    }

    @ParameterizedTest(name = "chunking={0}")
    @ValueSource(booleans = {false, true})
    void concurrentSingleSendsNeverMixTransactionsAndEachLedgerEqualsTheStore(boolean chunking) throws Exception {
        server.setDefaultScript(StandardSession.builder().chunking(chunking).keepTransactionAfterFailure(true)
                .rcptReply((s, a) -> a.startsWith("refused") && !a.startsWith("refuse-content")
                        ? List.of("550 5.1.1 no such user") : null)
                .endOfDataReply((s, content) -> content.contains("refuse-content")
                        ? List.of("554 5.7.1 content refused") : null)
                .build());
        SendingOptions options = SendingOptions.builder().chunking(chunking).build();
        CountDownLatch start = new CountDownLatch(1);
        try (SmtpConnectionPool pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(), options,
                PoolSettings.builder().maxConnections(2).maxWait(Duration.ofSeconds(30)).build(), SmtpListener.NONE);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<Future<List<MessageLedger>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(threads.submit(() -> {
                    start.await();
                    List<MessageLedger> mine = new ArrayList<>();
                    for (int k = 0; k < PER_THREAD; k++) {
                        BatchDelivery.Outcome o = delivery.deliver(List.of(message(thread * PER_THREAD + k + 1)));
                        mine.addAll(o.ledgers());
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<MessageLedger> ledgers = new ArrayList<>();
            for (Future<List<MessageLedger>> f : futures) {
                ledgers.addAll(f.get(50, TimeUnit.SECONDS));
            }
            assertThat(ledgers).hasSize(THREADS * PER_THREAD);
            List<StoredMessage> stored = server.messages();
            for (StoredMessage m : stored) {
                String index = m.mailFrom().substring("sender-".length(), m.mailFrom().indexOf('@'));
                assertThat(m.recipients()).as("stored %s -> %s", m.mailFrom(), m.recipients())
                        .containsExactly(ClientFixtures.rcpt(Integer.parseInt(index)));
            }
            for (MessageLedger l : ledgers) {
                assertThat(l.status()).as(l.toString()).isNotEqualTo(MessageStatus.UNKNOWN);
                for (RecipientResult r : l.recipients()) {
                    long copies = stored.stream().filter(m -> m.mailFrom().equals(l.envelope().mailFrom())
                            && m.recipients().contains(r.address())).count();
                    assertThat(copies).as("%s -> %s: %s", l.envelope().mailFrom(), r.address(), l)
                            .isEqualTo(r.status() == RecipientStatus.SUCCEEDED ? 1 : 0);
                }
            }
        }
    }
}
