package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.pacing.RateLimitStats;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.pacing.StoreState;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With DATA and PIPELINING, the next envelope normally rides behind the previous message's
 * content. When the next transaction must wait for its send-rate budget, the previous message's
 * content (whose DATA already got 354) is written and its reply read first: the client never holds
 * the server's transaction open while it waits (a relay that caps concurrent transactions, such as
 * Office 365, counts such a transaction and refuses others with 432 4.3.2).
 */
class BudgetWaitNeverHoldsAnOpenTransactionTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    /** A limit whose budget is due {@code wait} after each reservation but the first; records what the server had stored at each wait. */
    private final class Waiting implements SendRateLimit {
        final Duration wait;
        int reservations;
        final List<Integer> storedAtWait = new ArrayList<>();

        Waiting(Duration wait) {
            this.wait = wait;
        }

        @Override
        public Duration acquire(int messages, int recipients) {
            throw new AssertionError("the pipelining runner reserves, then waits");
        }

        @Override
        public synchronized Duration reserve(int messages, int recipients) {
            return reservations++ == 0 ? Duration.ZERO : wait;
        }

        @Override
        public synchronized void await(Duration due) {
            if (!due.isNegative() && !due.isZero()) {
                storedAtWait.add(server.messages().size()); // no sleep: the test needs only the order
            }
        }

        @Override
        public int burst() {
            return 1;
        }

        @Override
        public RateLimitStats stats() {
            return new RateLimitStats(0, 0, Duration.ZERO, 0, StoreState.LOCAL, 0);
        }
    }

    private long roundTrips;

    private List<MessageLedger> send(SendRateLimit limit, int n) throws Exception {
        server.setDefaultScript(StandardSession.builder().build());
        SendingOptions options = SendingOptions.builder().pipelining(true).chunking(false).rateLimit(limit).build();
        List<OutgoingMessage> batch = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            batch.add(ClientFixtures.message(200, ClientFixtures.rcpt(i)));
        }
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build(), options)) {
            long before = c.roundTrips();
            List<MessageLedger> ledgers = c.send(batch);
            roundTrips = c.roundTrips() - before;
            return ledgers;
        }
    }

    @Test
    void theOpenTransactionsContentIsWrittenBeforeTheNextWaitsForItsBudget() throws Exception {
        Waiting limit = new Waiting(Duration.ofSeconds(5));

        List<MessageLedger> ledgers = send(limit, 4);

        assertThat(ledgers).allSatisfy(l -> assertThat(l.count(RecipientStatus.SUCCEEDED)).isEqualTo(1));
        // at the wait of transaction k (k = 2, 3, 4) the server has stored the k - 1 messages before it
        assertThat(limit.storedAtWait).containsExactly(1, 2, 3);
        assertThat(server.messages()).hasSize(4);
        // each of the three waits cost the content a round trip of its own
        assertThat(roundTrips).isEqualTo(8);
    }

    @Test
    void withoutAWaitTheNextEnvelopeStillRidesBehindTheContent() throws Exception {
        Waiting limit = new Waiting(Duration.ZERO);

        List<MessageLedger> ledgers = send(limit, 4);

        assertThat(ledgers).allSatisfy(l -> assertThat(l.count(RecipientStatus.SUCCEEDED)).isEqualTo(1));
        assertThat(limit.storedAtWait).isEmpty();
        // one round trip per message and one for the last content: each envelope rode behind the content before it
        assertThat(roundTrips).isEqualTo(5);
    }
}
