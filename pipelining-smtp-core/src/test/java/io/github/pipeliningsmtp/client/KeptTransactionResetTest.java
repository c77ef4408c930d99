package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.KeptTransactionScenario.Mode;
import io.github.pipeliningsmtp.client.KeptTransactionScenario.Refusal;
import io.github.pipeliningsmtp.client.KeptTransactionScenario.RsetReplies;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ledger rule against an Exim-like server that keeps a failed transaction open
 * ({@code keepTransactionAfterFailure}): after every transaction that did not end with a 2xx to its
 * content (refused MAIL FROM, every RCPT refused, refused DATA / BDAT chunk, refused end of data /
 * LAST chunk) the client sends RSET, and reads its reply, before the next MAIL FROM on that
 * connection. On one {@link SmtpConnection} with max-messages-in-flight 3: a batch of 9 where
 * message 1 (inside a flight / window), message 2 (the last of the first BDAT window) and message 8
 * (the last of the batch) are refused, then a second batch of 3 on the same connection. No recipient
 * of a stored message is FAILED, none is stored twice, each is stored under its own sender.
 */
class KeptTransactionResetTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    private void run(Mode mode, Refusal refusal) throws Exception {
        server.setDefaultScript(KeptTransactionScenario.session(mode, refusal));
        Set<Integer> refused = Set.of(1, 2, 8);
        List<OutgoingMessage> first = KeptTransactionScenario.messages(0, 9, refused, refusal);
        List<OutgoingMessage> second = KeptTransactionScenario.messages(9, 12, refused, refusal);
        RsetReplies rsets = new RsetReplies();
        List<MessageLedger> ledgers = new ArrayList<>();
        try (SmtpConnection c = SmtpConnection.open(KeptTransactionScenario.settings(server).build(),
                KeptTransactionScenario.options().maxMessagesInFlight(3).build(), rsets)) {
            assertThat(c.isChunking()).isEqualTo(mode.bdat());
            ledgers.addAll(c.send(first));
            ledgers.addAll(c.send(second));
        }
        List<OutgoingMessage> all = new ArrayList<>(first);
        all.addAll(second);
        assertThat(server.connectionCount()).isEqualTo(1);
        KeptTransactionScenario.assertLedgerRule(server, mode, refusal, all, ledgers, refused, rsets);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void refusedMailFrom(Mode mode) throws Exception {
        run(mode, Refusal.MAIL);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void everyRcptRefused(Mode mode) throws Exception {
        run(mode, Refusal.EVERY_RCPT);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void refusedDataOrFirstChunk(Mode mode) throws Exception {
        run(mode, Refusal.CONTENT_COMMAND);
    }

    /**
     * With DATA the end of data ends the transaction whatever its reply (RFC 5321 §4.1.1.4; the
     * Exim-like session resets there too), so a missing RSET after a refused end of data does no
     * harm with DATA; the ledger rule asks for it all the same. With BDAT a refused LAST chunk
     * leaves the transaction open.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void refusedEndOfDataOrLastChunk(Mode mode) throws Exception {
        run(mode, Refusal.END_OF_DATA);
    }
}
