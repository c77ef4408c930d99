package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.delivery.DeliveryOptions;
import io.github.pipeliningsmtp.delivery.PooledDelivery;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Too many recipients (docs/fault-kinds.md#too-many-recipients): 452 / 552 5.5.3 splitting, and LIMITS
 * RCPTMAX / MAILMAX up front.
 */
class TooManyRecipientsTest {

    private static final String[] EHLO = {"250-mail.example.com", "250-PIPELINING", "250-ENHANCEDSTATUSCODES",
        "250 8BITMIME"};

    private ScriptedSmtpServer server;
    private SmtpConnectionPool pool;

    @AfterEach
    void tearDown() throws Exception {
        pool.close(Duration.ofSeconds(1));
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    /** A server accepting 50 RCPTs per transaction, answering the rest with {@code refusal}, at most {@code mailMax} MAILs per session. */
    private void start(String[] ehlo, String refusal, int mailMax) throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(s -> {
            int[] rcpts = {0};
            int[] mails = {0};
            StandardSession.builder().ehloReply(ehlo)
                    .commandHook((session, line) -> {
                        if (line.startsWith("MAIL") && ++mails[0] > mailMax) {
                            session.server().event("421 sent");
                            session.reply("421 4.7.0 Too many transactions");
                            session.closeFin();
                            return List.of();
                        }
                        return null;
                    })
                    .mailReply((session, address) -> {
                        rcpts[0] = 0;
                        return null;
                    })
                    .rcptReply((session, address) -> {
                        if (++rcpts[0] > 50) {
                            session.server().event("refused " + address);
                            return List.of(refusal);
                        }
                        return null;
                    }).build().run(s);
        });
    }

    private PooledDelivery delivery(boolean split) {
        ConnectionSettings settings = ConnectionSettings.builder("mail.example.com", server.port())
                .resolver(h -> new InetAddress[] {InetAddress.getLoopbackAddress()}).ehloName("client.example.org")
                .build();
        pool = new SmtpConnectionPool(settings, PoolSettings.builder().maxConnections(2).build());
        return new PooledDelivery(pool, new DeliveryOptions(DeliveryPolicy.PARTIAL, split));
    }

    private static List<String> recipients() {
        List<String> list = new ArrayList<>();
        for (int i = 1; i <= 120; i++) {
            list.add(String.format("rcpt-%03d@example.net", i));
        }
        return list;
    }

    private static OutgoingMessage message() {
        return new OutgoingMessage(new Envelope("sender@example.com", recipients()),
                MessageContent.of("Subject: many\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    /** Each recipient stored exactly once, over {@code transactions} stored messages. */
    private void assertEachStoredOnce(int transactions) {
        List<StoredMessage> stored = server.messages();
        assertThat(stored).hasSize(transactions);
        Map<String, Long> counts = stored.stream().flatMap(m -> m.recipients().stream())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(recipients());
        assertThat(counts.values()).allMatch(c -> c == 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"452 4.5.3 Too many recipients", "552 5.5.3 Maximum limit of 50 recipients reached"})
    void variantsAandC_refusedRecipientsGoInANewTransaction(String refusal) throws Exception {
        start(EHLO, refusal, Integer.MAX_VALUE);
        MessageLedger ledger = delivery(true).deliver(List.of(message()), DeliveryPolicy.PARTIAL).ledgers().get(0);
        assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(120);
        assertEachStoredOnce(3);
        assertThat(server.messages()).extracting(m -> m.recipients().size()).containsExactly(50, 50, 20);
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void variantA_withoutSplittingTheRestFailsTransiently() throws Exception {
        start(EHLO, "452 4.5.3 Too many recipients", Integer.MAX_VALUE);
        MessageLedger ledger = delivery(false).deliver(List.of(message()), DeliveryPolicy.PARTIAL).ledgers().get(0);
        List<RecipientResult> r = ledger.recipients();
        for (int i = 0; i < 120; i++) {
            if (i < 50) {
                assertThat(r.get(i).status()).isEqualTo(RecipientStatus.SUCCEEDED);
            } else {
                SmtpError e = r.get(i).error().orElseThrow();
                assertThat(r.get(i).status()).isEqualTo(RecipientStatus.FAILED);
                assertThat(e.command()).isEqualTo("RCPT TO:<" + r.get(i).address() + ">");
                assertThat(e.code()).isEqualTo(452);
                assertThat(e.enhancedStatusCode()).contains("4.5.3");
                assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
            }
        }
        assertThat(server.messages()).hasSize(1);
    }

    @Test
    void variantB_limitsShapeTransactionsAndSessionsUpFront() throws Exception {
        String[] ehlo = {"250-mail.example.com", "250-PIPELINING", "250-LIMITS RCPTMAX=50 MAILMAX=2",
            "250 ENHANCEDSTATUSCODES"};
        start(ehlo, "452 4.5.3 Too many recipients", 2);
        MessageLedger ledger = delivery(true).deliver(List.of(message()), DeliveryPolicy.PARTIAL).ledgers().get(0);
        assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(120);
        assertThat(server.events()).isEmpty();
        assertEachStoredOnce(3);
        for (int c = 0; c < server.connectionCount(); c++) {
            assertThat(server.commands(c)).extracting(RecordedCommand::line).filteredOn(l -> l.startsWith("MAIL"))
                    .hasSizeLessThanOrEqualTo(2);
        }
        assertThat(server.connectionCount()).isEqualTo(2);
    }

    @Test
    void limitsFromAPlaintextSessionThatOfferedStarttlsAreIgnored() throws Exception {
        String[] ehlo = {"250-mail.example.com", "250-PIPELINING", "250-STARTTLS", "250 LIMITS RCPTMAX=10"};
        start(ehlo, "452 4.5.3 Too many recipients", Integer.MAX_VALUE);
        MessageLedger ledger = delivery(true).deliver(List.of(message()), DeliveryPolicy.PARTIAL).ledgers().get(0);
        assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(120);
        assertThat(server.messages()).extracting(m -> m.recipients().size()).containsExactly(50, 50, 20);
    }
}
