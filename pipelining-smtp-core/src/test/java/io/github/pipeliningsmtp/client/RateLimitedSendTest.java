package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.pacing.RateLimitStats;
import io.github.pipeliningsmtp.pacing.RateLimitWaitException;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.pacing.StoreState;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every transaction takes its budget from the send rate limit before its MAIL FROM is written, in
 * every sending mode; when the budget cannot be had, what was started is completed, the rest is
 * FAILED (TRANSIENT, not sent, the limit's reason on the ledger) and the connection stays usable.
 */
class RateLimitedSendTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    /** Admits {@code admitted} transactions, then refuses; records the recipients of each call and the MAIL FROMs seen by then. */
    private final class Admitting implements SendRateLimit {
        final int admitted;
        final List<Integer> calls = new ArrayList<>();
        final List<Long> mailsWrittenBefore = new ArrayList<>();

        Admitting(int admitted) {
            this.admitted = admitted;
        }

        @Override
        public synchronized Duration acquire(int messages, int recipients) throws RateLimitWaitException {
            calls.add(recipients);
            mailsWrittenBefore.add(server.commands().stream().filter(c -> c.line().startsWith("MAIL FROM")).count());
            if (calls.size() > admitted) {
                throw new RateLimitWaitException("not sent: the send rate limit had no room within 30000 ms");
            }
            return Duration.ZERO;
        }

        @Override
        public int burst() {
            return 2;
        }

        @Override
        public RateLimitStats stats() {
            return new RateLimitStats(0, 0, Duration.ZERO, 0, StoreState.LOCAL, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pipelined", "chunked", "sequential"})
    void aTransactionWithoutBudgetIsNotSentAndTheConnectionStaysUsable(String mode) throws Exception {
        StandardSession session = StandardSession.builder().chunking(mode.equals("chunked")).build();
        server.setDefaultScript(session);
        Admitting limit = new Admitting(3);
        SendingOptions options = SendingOptions.builder().pipelining(!mode.equals("sequential")).rateLimit(limit)
                .build();
        List<OutgoingMessage> batch = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            batch.add(ClientFixtures.message(200, ClientFixtures.rcpt(2 * i), ClientFixtures.rcpt(2 * i + 1)));
        }
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build(), options)) {
            List<MessageLedger> ledgers = c.send(batch);
            for (int i = 0; i < 3; i++) {
                assertThat(ledgers.get(i).count(RecipientStatus.SUCCEEDED)).isEqualTo(2);
            }
            for (int i = 3; i < 5; i++) {
                MessageLedger l = ledgers.get(i);
                assertThat(l.started()).isFalse();
                assertThat(l.count(RecipientStatus.FAILED)).isEqualTo(2);
                SmtpError e = l.firstError().orElseThrow();
                assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
                assertThat(e.step()).isEqualTo(io.github.pipeliningsmtp.protocol.SmtpStep.MAIL_FROM);
                assertThat(e.description()).contains("send rate limit");
            }
            assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
            assertThat(c.send(List.of(ClientFixtures.message(100, "late@example.net"))).get(0)
                    .count(RecipientStatus.FAILED)).isEqualTo(1); // the limit still refuses
        }
        assertThat(server.messages()).hasSize(3);
        // one call per transaction, with its recipients, the refused one last; nothing after it
        assertThat(limit.calls).containsExactly(2, 2, 2, 2, 1);
        // the budget is taken before the transaction's MAIL FROM is written
        for (int i = 0; i < 3; i++) {
            assertThat(limit.mailsWrittenBefore.get(i)).isLessThanOrEqualTo(i);
        }
        long mails = server.commands().stream().filter(r -> r.line().startsWith("MAIL FROM")).count();
        assertThat(mails).isEqualTo(3);
    }
}
