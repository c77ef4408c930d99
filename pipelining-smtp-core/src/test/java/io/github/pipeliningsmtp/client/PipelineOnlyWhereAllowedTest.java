package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.TestCertificates;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pipelining only where allowed (docs/fault-kinds.md#pipeline-only-where-allowed): commands that end a group (EHLO, STARTTLS, AUTH and each SASL
 * response, DATA, QUIT) are written only after the previous reply, and nothing is pipelined to a
 * server that does not advertise PIPELINING. The server is the strict {@link StandardSession}: it
 * checks for buffered input before each of those replies and records an "improper pipelining" (or
 * "pipelining not supported") event.
 */
class PipelineOnlyWhereAllowedTest {

    private static final TestCertificates CERTS = TestCertificates.create();
    private static final String USER = "user@example.com";
    private static final String PASSWORD = "S3cret-Pa55";

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    private ConnectionSettings settings(String mechanism) {
        return ClientFixtures.settings(server)
                .tlsMode(TlsMode.STARTTLS_REQUIRED)
                .sslContext(CERTS.clientContextTrustingCa())
                .credentials(Credentials.password(USER, PASSWORD))
                .authMechanism(mechanism)
                .build();
    }

    private MessageLedger sendOneMessageToTwoRecipients(ConnectionSettings settings, boolean expectPipelining)
            throws Exception {
        try (SmtpConnection c = SmtpConnection.open(settings)) {
            assertThat(c.isTls()).isTrue();
            assertThat(c.isPipelining()).isEqualTo(expectPipelining);
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(1024, rcpt(1), rcpt(2)))).get(0);
            assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
            return ledger;
        } finally {
            server.awaitNoOpenConnections(Duration.ofSeconds(2));
            server.awaitScriptsFinished(Duration.ofSeconds(2));
        }
    }

    @ParameterizedTest(name = "AUTH {0}")
    @ValueSource(strings = {"LOGIN", "PLAIN"})
    void variantA_pipeliningServer_groupEndersAreWrittenAloneAndTheEnvelopeIsOneGroup(String mechanism)
            throws Exception {
        server.enqueue(StandardSession.builder()
                .strictPipelining(true)
                .startTls(CERTS.serverContext("mail.example.com"))
                .ehloReply("250-mail.example.com", "250-PIPELINING", "250-ENHANCEDSTATUSCODES", "250-STARTTLS",
                        "250 AUTH LOGIN PLAIN")
                .postTlsEhloReply("250-mail.example.com", "250-PIPELINING", "250-ENHANCEDSTATUSCODES",
                        "250 AUTH LOGIN PLAIN")
                .credentials(USER, PASSWORD)
                .requireAuth(true)
                .build());

        MessageLedger ledger = sendOneMessageToTwoRecipients(settings(mechanism), true);

        assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(ledger.finalReply().orElseThrow().code()).isEqualTo(250);
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.events()).noneMatch(e -> e.startsWith("improper")).isEmpty();
        assertThat(server.messages()).hasSize(1);
        assertThat(server.messages().get(0).recipients()).containsExactly(rcpt(1), rcpt(2));

        List<RecordedCommand> commands = server.commands(0);
        List<String> verbs = commands.stream().map(RecordedCommand::verb).toList();
        int saslResponses = mechanism.equals("LOGIN") ? 2 : 0;
        assertThat(commands).hasSize(1 + 1 + 1 + 1 + saslResponses + 4 + 1);
        assertThat(verbs.subList(0, 4)).containsExactly("EHLO", "STARTTLS", "EHLO", "AUTH");
        assertThat(commands.get(3).line()).startsWith("AUTH " + mechanism);
        assertThat(verbs.subList(4 + saslResponses, verbs.size())).containsExactly("MAIL", "RCPT", "RCPT", "DATA", "QUIT");

        Map<Integer, Long> perRead = commands.stream()
                .collect(Collectors.groupingBy(RecordedCommand::readIndex, Collectors.counting()));
        // EHLO, STARTTLS, the post-TLS EHLO, AUTH and each SASL response: each alone in its read
        for (RecordedCommand command : commands.subList(0, 4 + saslResponses)) {
            assertThat(perRead.get(command.readIndex())).as("commands in the read of %s", command.verb()).isEqualTo(1L);
        }
        // MAIL, RCPT x2 and DATA form one group (written together), DATA last; QUIT comes after its reply
        RecordedCommand mail = commands.get(4 + saslResponses);
        RecordedCommand data = commands.get(commands.size() - 2);
        RecordedCommand quit = commands.get(commands.size() - 1);
        assertThat(commands.subList(4 + saslResponses, commands.size() - 1))
                .extracting(RecordedCommand::readIndex).containsOnly(mail.readIndex());
        assertThat(data.readIndex()).isEqualTo(mail.readIndex());
        assertThat(quit.readIndex()).isGreaterThan(data.readIndex());
        assertThat(perRead.get(quit.readIndex())).isEqualTo(1L);
    }

    @ParameterizedTest(name = "AUTH {0}")
    @ValueSource(strings = {"LOGIN", "PLAIN"})
    void variantB_noPipeliningServer_everyCommandWaitsForItsReply(String mechanism) throws Exception {
        server.enqueue(StandardSession.builder()
                .noPipelining(true)
                .strictPipelining(true)
                .startTls(CERTS.serverContext("mail.example.com"))
                .ehloReply("250-mail.example.com", "250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250 AUTH LOGIN PLAIN")
                .postTlsEhloReply("250-mail.example.com", "250-ENHANCEDSTATUSCODES", "250 AUTH LOGIN PLAIN")
                .credentials(USER, PASSWORD)
                .requireAuth(true)
                .build());

        MessageLedger ledger = sendOneMessageToTwoRecipients(settings(mechanism), false);

        assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.scriptErrors()).isEmpty();
        assertThat(server.events()).isEmpty();
        assertThat(server.messages()).hasSize(1);

        List<RecordedCommand> commands = server.commands(0);
        assertThat(commands).extracting(RecordedCommand::verb)
                .startsWith("EHLO", "STARTTLS", "EHLO", "AUTH")
                .endsWith("MAIL", "RCPT", "RCPT", "DATA", "QUIT");
        // every command arrived in a read of its own: nothing was written before the previous reply
        Map<Integer, RecordedCommand> byRead = commands.stream()
                .collect(Collectors.toMap(RecordedCommand::readIndex, Function.identity(), (a, b) -> {
                    throw new AssertionError("pipelined without PIPELINING: " + a.line() + " / " + b.line());
                }));
        assertThat(byRead).hasSize(commands.size());
    }
}
