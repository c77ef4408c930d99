package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code max-messages-per-connection} holds inside one send, not only when a connection goes back to
 * the pool: a send given a connection that already carried some messages puts on it only as many as
 * it may still carry, and the rest on the next connection. Servers count the same way and end the
 * session past their own limit (Exim's {@code smtp_accept_max_per_connection} answers the next MAIL
 * FROM with 421), which with BDAT would leave the messages behind it in the flight UNKNOWN; so a
 * pool limit at or below the server's must keep every session below it.
 *
 * <p>The pool has one connection and a limit of 3; two single sends leave the connection with 2,
 * then a send of 3 messages (which shares flights), or of 7 (which goes in shares), follows.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MaxMessagesPerConnectionHoldsWithinOneSendTest {

    private static final int LIMIT = 3;

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        server.close();
    }

    private SmtpConnectionPool pool(boolean chunking) {
        return new SmtpConnectionPool(ClientFixtures.settings(server).build(),
                SendingOptions.builder().chunking(chunking).build(),
                PoolSettings.builder().maxConnections(1).maxMessagesPerConnection(LIMIT).build(), SmtpListener.NONE);
    }

    private static List<OutgoingMessage> messages(int from, int n) {
        List<OutgoingMessage> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(ClientFixtures.message("sender-" + i + "@example.com", 200, "rcpt-" + i + "@example.net"));
        }
        return out;
    }

    @ParameterizedTest(name = "then a send of {0}")
    @ValueSource(ints = {3, 7})
    void aSendFillsAConnectionOnlyUpToTheLimit(int then) throws Exception {
        server.setDefaultScript(new StandardSession());
        try (SmtpConnectionPool pool = pool(false);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<MessageStatus> statuses = new ArrayList<>();
            for (OutgoingMessage m : messages(0, 2)) {
                delivery.deliver(List.of(m)).ledgers().forEach(l -> statuses.add(l.status()));
            }
            delivery.deliver(messages(2, then)).ledgers().forEach(l -> statuses.add(l.status()));
            assertThat(statuses).hasSize(2 + then).containsOnly(MessageStatus.SUCCEEDED);
        }
        assertEverySessionWithinTheLimit(2 + then);
    }

    @Test
    void withBdatToo() throws Exception {
        server.setDefaultScript(StandardSession.builder().chunking(true).build());
        try (SmtpConnectionPool pool = pool(true);
             BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS)) {
            List<MessageStatus> statuses = new ArrayList<>();
            for (OutgoingMessage m : messages(0, 2)) {
                delivery.deliver(List.of(m)).ledgers().forEach(l -> statuses.add(l.status()));
            }
            delivery.deliver(messages(2, 7)).ledgers().forEach(l -> statuses.add(l.status()));
            assertThat(statuses).hasSize(9).containsOnly(MessageStatus.SUCCEEDED);
        }
        assertEverySessionWithinTheLimit(9);
    }

    private void assertEverySessionWithinTheLimit(int total) throws InterruptedException {
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        List<StoredMessage> stored = server.messages();
        assertThat(stored).hasSize(total);
        Map<Integer, Long> perConnection = stored.stream()
                .collect(Collectors.groupingBy(StoredMessage::connectionIndex, Collectors.counting()));
        assertThat(perConnection.values()).as("messages per session %s", perConnection).allMatch(n -> n <= LIMIT);
        for (int c = 0; c < server.connectionCount(); c++) {
            long mails = server.commands(c).stream().map(RecordedCommand::line)
                    .filter(line -> line.startsWith("MAIL FROM")).count();
            assertThat(mails).as("MAIL FROM commands on connection %d", c).isLessThanOrEqualTo(LIMIT);
            assertThat(server.commands(c)).extracting(RecordedCommand::line).last().isEqualTo("QUIT");
        }
    }
}
