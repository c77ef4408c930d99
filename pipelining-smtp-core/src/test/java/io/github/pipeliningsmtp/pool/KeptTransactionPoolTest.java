package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.delivery.PooledDelivery;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.KeptTransactionScenario;
import io.github.pipeliningsmtp.client.KeptTransactionScenario.Mode;
import io.github.pipeliningsmtp.client.KeptTransactionScenario.Refusal;
import io.github.pipeliningsmtp.client.KeptTransactionScenario.RsetReplies;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ledger rule across flights, BDAT windows and batches on a pooled connection, against an
 * Exim-like server that keeps a failed transaction open: 150 one-recipient messages through a pool
 * of one connection (max-messages-in-flight 50, the default) where messages 49, 99 and 149 (the last
 * of each BDAT window) are refused, then a second batch of 20 on the same pooled connection. After
 * each refused transaction the client must RSET (reading its reply) before the next MAIL FROM; no
 * recipient of a stored message is FAILED, none is stored twice, each under its own sender.
 */
class KeptTransactionPoolTest {

    private final ScriptedSmtpServer server = startServer();

    private static ScriptedSmtpServer startServer() {
        try {
            return ScriptedSmtpServer.start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.awaitScriptsFinished(Duration.ofSeconds(3));
        assertThat(server.scriptErrors()).isEmpty();
        server.close();
    }

    private void run(Mode mode, Refusal refusal) throws Exception {
        server.setDefaultScript(KeptTransactionScenario.session(mode, refusal));
        Set<Integer> refused = Set.of(49, 99, 149);
        List<OutgoingMessage> first = KeptTransactionScenario.messages(0, 150, refused, refusal);
        List<OutgoingMessage> second = KeptTransactionScenario.messages(150, 170, refused, refusal);
        RsetReplies rsets = new RsetReplies();
        SmtpConnectionPool pool = new SmtpConnectionPool(KeptTransactionScenario.settings(server).build(),
                KeptTransactionScenario.options().build(), PoolSettings.builder().maxConnections(1).build(), rsets);
        List<MessageLedger> ledgers = new ArrayList<>();
        try {
            PooledDelivery delivery = new PooledDelivery(pool);
            ledgers.addAll(delivery.deliver(first, DeliveryPolicy.PARTIAL).ledgers());
            ledgers.addAll(delivery.deliver(second, DeliveryPolicy.PARTIAL).ledgers());
        } finally {
            pool.close(Duration.ofSeconds(2));
        }
        List<OutgoingMessage> all = new ArrayList<>(first);
        all.addAll(second);
        assertThat(server.connectionCount()).as("both batches on the one pooled connection").isEqualTo(1);
        KeptTransactionScenario.assertLedgerRule(server, mode, refusal, all, ledgers, refused, rsets);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"BDAT_PIPELINED", "DATA_PIPELINED", "DATA_ONE_AT_A_TIME"})
    void everyRcptRefused(Mode mode) throws Exception {
        run(mode, Refusal.EVERY_RCPT);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"BDAT_PIPELINED", "DATA_PIPELINED", "DATA_ONE_AT_A_TIME"})
    void refusedMailFrom(Mode mode) throws Exception {
        run(mode, Refusal.MAIL);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"BDAT_PIPELINED", "DATA_PIPELINED", "DATA_ONE_AT_A_TIME"})
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
    @EnumSource(value = Mode.class, names = {"BDAT_PIPELINED", "DATA_PIPELINED", "DATA_ONE_AT_A_TIME"})
    void refusedEndOfDataOrLastChunk(Mode mode) throws Exception {
        run(mode, Refusal.END_OF_DATA);
    }
}
