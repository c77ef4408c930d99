package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No lone dot when some recipients were accepted (docs/fault-kinds.md#no-lone-dot), all-or-nothing policy: DATA waits for the RCPT replies; one refusal means no content, RSET,
 * and every recipient reported not delivered with the refusal as the cause. The next message goes
 * through on the same connection.
 */
class AllOrNothingTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void oneRefusedRecipientSendsNothing(boolean pipelining) throws Exception {
        StandardSession.Builder session = StandardSession.builder().rcptReply((s, address) ->
                address.equals("rcpt-2@example.test") ? List.of("550 5.1.4 Recipient address reserved by RFC 2606") : null);
        server.setDefaultScript((pipelining ? session : session.noPipelining(true)).build());
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            List<MessageLedger> ledgers = c.send(List.of(
                    ClientFixtures.message(3072, rcpt(1), "rcpt-2@example.test", rcpt(3)),
                    ClientFixtures.message(100, rcpt(4))), DeliveryPolicy.ALL_OR_NOTHING);
            MessageLedger refused = ledgers.get(0);
            assertThat(refused.status()).isEqualTo(MessageStatus.FAILED);
            for (RecipientResult r : refused.recipients()) {
                SmtpError e = r.error().orElseThrow();
                assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
                assertThat(e.code()).isEqualTo(550);
                assertThat(e.command()).isEqualTo("RCPT TO:<rcpt-2@example.test>");
            }
            assertThat(refused.recipients().get(0).wasAccepted()).isTrue();
            assertThat(refused.recipients().get(0).error().orElseThrow().description()).contains("all-or-nothing");
            assertThat(refused.contentCommitted()).isFalse();
            assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        List<String> lines = server.commands().stream().map(RecordedCommand::line).toList();
        assertThat(lines.subList(lines.indexOf("RCPT TO:<rcpt-3@example.net>") + 1, lines.size()))
                .as("no DATA for the refused message; RSET before the next MAIL")
                .startsWith("RSET").contains("DATA");
        assertThat(lines).filteredOn("DATA"::equals).hasSize(1);
        assertThat(server.messages()).extracting(m -> m.recipients()).containsExactly(List.of(rcpt(4)));
    }
}
