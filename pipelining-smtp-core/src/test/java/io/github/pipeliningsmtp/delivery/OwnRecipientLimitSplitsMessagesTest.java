package io.github.pipeliningsmtp.delivery;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The client's own most-recipients-per-transaction limit ({@link SendingOptions#maxRecipientsPerTransaction()},
 * a relay profile's "recipients per message"; docs/fault-kinds.md#too-many-recipients): a message with
 * more recipients goes in several transactions of at most that many, each with the whole content, in one
 * ledger; the limit is the smaller of it and a trusted RCPTMAX; content that cannot be written twice and
 * all-or-nothing messages stay one transaction.
 */
class OwnRecipientLimitSplitsMessagesTest {

    private static final String[] EHLO = {"250-mail.example.com", "250-PIPELINING", "250-ENHANCEDSTATUSCODES",
        "250 8BITMIME"};
    private static final String[] RECIPIENTS = IntStream.rangeClosed(1, 7).mapToObj(i -> rcpt(i))
            .toArray(String[]::new);
    private static final OutgoingMessage MESSAGE = ClientFixtures.message(300, RECIPIENTS);

    private ScriptedSmtpServer server;
    private SmtpConnectionPool pool;

    @AfterEach
    void tearDown() throws Exception {
        if (pool != null) {
            pool.close(Duration.ofSeconds(1));
            ClientFixtures.closeCleanly(server);
        }
    }

    private PooledDelivery delivery(int limit, StandardSession.Builder session) {
        server = ClientFixtures.server();
        server.setDefaultScript(s -> session.build().run(s));
        SendingOptions sending = SendingOptions.builder().maxRecipientsPerTransaction(limit).build();
        pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(), sending,
                PoolSettings.builder().maxConnections(1).build(), SmtpListener.NONE);
        return new PooledDelivery(pool);
    }

    private List<String> rcptLines() {
        return server.commands().stream().map(RecordedCommand::line).filter(l -> l.startsWith("RCPT")).toList();
    }

    private long mailCount() {
        return server.commands().stream().filter(c -> c.line().startsWith("MAIL")).count();
    }

    @Test
    void sevenRecipientsWithALimitOfThreeGoInThreeTransactionsWithOneContentEach() throws Exception {
        PooledDelivery delivery = delivery(3, StandardSession.builder().ehloReply(EHLO));

        MessageLedger ledger = delivery.deliver(List.of(MESSAGE)).ledgers().get(0);

        assertThat(server.messages()).extracting(StoredMessage::recipients).containsExactly(
                List.of(rcpt(1), rcpt(2), rcpt(3)), List.of(rcpt(4), rcpt(5), rcpt(6)), List.of(rcpt(7)));
        String content = server.messages().get(0).contentAsString();
        assertThat(content).contains("Subject: test");
        assertThat(server.messages()).allSatisfy(m -> assertThat(m.contentAsString()).isEqualTo(content));
        assertThat(mailCount()).isEqualTo(3);
        assertThat(rcptLines()).hasSize(7);
        assertThat(server.connectionCount()).isEqualTo(1);
        assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(ledger.recipients()).extracting(RecipientResult::address).containsExactly(RECIPIENTS);
        assertThat(ledger.recipients()).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(RecipientStatus.SUCCEEDED);
            assertThat(r.attempts()).isEqualTo(1);
        });
    }

    @Test
    void aRefusalInOneTransactionChangesNothingForTheOthers() throws Exception {
        int[] endsOfData = {0};
        PooledDelivery delivery = delivery(3, StandardSession.builder().ehloReply(EHLO)
                .rcptReply((s, address) -> address.equals(rcpt(2)) ? List.of("550 5.1.1 No such user") : null)
                .endOfDataReply((s, content) -> ++endsOfData[0] == 2 ? List.of("451 4.3.0 Try again later") : null));

        MessageLedger ledger = delivery.deliver(List.of(MESSAGE)).ledgers().get(0);

        List<RecipientResult> r = ledger.recipients();
        assertThat(r).extracting(RecipientResult::status).containsExactly(RecipientStatus.SUCCEEDED,
                RecipientStatus.FAILED, RecipientStatus.SUCCEEDED, RecipientStatus.FAILED, RecipientStatus.FAILED,
                RecipientStatus.FAILED, RecipientStatus.SUCCEEDED);
        SmtpError refused = r.get(1).error().orElseThrow();
        assertThat(refused.step()).isEqualTo(SmtpStep.RCPT_TO);
        assertThat(refused.code()).isEqualTo(550);
        assertThat(refused.type()).isEqualTo(FailureType.PERMANENT);
        for (int i = 3; i <= 5; i++) {
            SmtpError e = r.get(i).error().orElseThrow();
            assertThat(e.step()).isEqualTo(SmtpStep.END_OF_DATA);
            assertThat(e.code()).isEqualTo(451);
            assertThat(e.enhancedStatusCode()).contains("4.3.0");
            assertThat(e.type()).isEqualTo(FailureType.TRANSIENT);
        }
        assertThat(ledger.status()).isEqualTo(MessageStatus.PARTIAL);
        // nothing sent twice: a refusal that is not "too many" starts no new transaction
        assertThat(rcptLines()).hasSize(7);
        assertThat(mailCount()).isEqualTo(3);
        assertThat(server.messages()).extracting(StoredMessage::recipients)
                .containsExactly(List.of(rcpt(1), rcpt(3)), List.of(rcpt(7)));
    }

    @Test
    void tooManyRepliesInsideTheLimitStillGoInNewTransactions() throws Exception {
        int[] inTransaction = {0};
        PooledDelivery delivery = delivery(3, StandardSession.builder().ehloReply(EHLO)
                .mailReply((s, from) -> {
                    inTransaction[0] = 0;
                    return null;
                })
                .rcptReply((s, address) -> ++inTransaction[0] > 2 ? List.of("452 4.5.3 Too many recipients") : null));

        MessageLedger ledger = delivery.deliver(List.of(MESSAGE)).ledgers().get(0);

        assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(7);
        assertThat(server.messages()).allSatisfy(m -> assertThat(m.recipients()).hasSizeLessThanOrEqualTo(2));
        assertThat(server.messages().stream().flatMap(m -> m.recipients().stream()).sorted().toList())
                .containsExactly(RECIPIENTS);
    }

    @ParameterizedTest(name = "RCPTMAX={0} in {1}, own limit {2}: transactions of {3}")
    @CsvSource(delimiter = ';', value = {
        "2; an encrypted-or-no-STARTTLS session; 3; 2 2 2 1",
        "5; an encrypted-or-no-STARTTLS session; 3; 3 3 1",
        "2; a plaintext session that offered STARTTLS; 3; 3 3 1"})
    void theLimitIsTheSmallerOfTheOwnOneAndATrustedRcptMax(int rcptMax, String session, int limit, String sizes)
            throws Exception {
        String[] ehlo = session.contains("offered STARTTLS")
                ? new String[] {"250-mail.example.com", "250-PIPELINING", "250-STARTTLS", "250 LIMITS RCPTMAX=" + rcptMax}
                : new String[] {"250-mail.example.com", "250-PIPELINING", "250 LIMITS RCPTMAX=" + rcptMax};
        PooledDelivery delivery = delivery(limit, StandardSession.builder().ehloReply(ehlo));

        MessageLedger ledger = delivery.deliver(List.of(MESSAGE)).ledgers().get(0);

        assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(7);
        assertThat(server.messages()).extracting(m -> m.recipients().size())
                .containsExactly(java.util.Arrays.stream(sizes.split(" ")).map(Integer::valueOf).toArray(Integer[]::new));
    }

    @Test
    void contentThatCannotBeWrittenTwiceStaysOneTransaction() throws Exception {
        byte[] bytes = "Subject: once\r\n\r\nstreamed\r\n".getBytes(StandardCharsets.US_ASCII);
        OutgoingMessage once = new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, RECIPIENTS), out -> out.write(bytes));
        int[] inTransaction = {0};
        PooledDelivery delivery = delivery(3, StandardSession.builder().ehloReply(EHLO)
                .rcptReply((s, address) -> ++inTransaction[0] > 3 ? List.of("452 4.5.3 Too many recipients") : null));

        MessageLedger ledger = delivery.deliver(List.of(once)).ledgers().get(0);

        // all seven RCPT TO in one transaction; the relay's refusals are the ledger's, nothing is sent again
        assertThat(mailCount()).isEqualTo(1);
        assertThat(rcptLines()).hasSize(7);
        assertThat(server.messages()).extracting(StoredMessage::recipients)
                .containsExactly(List.of(rcpt(1), rcpt(2), rcpt(3)));
        List<RecipientResult> r = ledger.recipients();
        assertThat(r.subList(0, 3)).allSatisfy(x -> assertThat(x.status()).isEqualTo(RecipientStatus.SUCCEEDED));
        assertThat(r.subList(3, 7)).allSatisfy(x -> {
            assertThat(x.status()).isEqualTo(RecipientStatus.FAILED);
            assertThat(x.error().orElseThrow().code()).isEqualTo(452);
            assertThat(x.error().orElseThrow().type()).isEqualTo(FailureType.TRANSIENT);
        });
    }

    @Test
    void anAllOrNothingMessageStaysOneTransaction() throws Exception {
        PooledDelivery delivery = delivery(3, StandardSession.builder().ehloReply(EHLO));

        MessageLedger ledger = delivery.deliver(List.of(MESSAGE), DeliveryPolicy.ALL_OR_NOTHING).ledgers().get(0);

        assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(7);
        assertThat(server.messages()).extracting(StoredMessage::recipients).containsExactly(List.of(RECIPIENTS));
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> SendingOptions.builder().maxRecipientsPerTransaction(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> SendingOptions.builder().maxRecipientsPerTransaction(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was -1");
        assertThat(SendingOptions.DEFAULTS.maxRecipientsPerTransaction()).isEqualTo(Integer.MAX_VALUE);
    }
}
