package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Addresses that need more than ASCII: without SMTPUTF8 an internationalised domain goes as IDNA
 * A-labels (RFC 5890/5891) and a non-ASCII local part fails only its own recipient (or, for the
 * sender, the message); with SMTPUTF8 (RFC 6531) everything goes in UTF-8 as given.
 */
class InternationalAddressesTest {

    private static final String[] NO_SMTPUTF8 = {"250-mail.example.com", "250-PIPELINING", "250 8BITMIME"};
    private static final String[] SMTPUTF8 = {"250-mail.example.com", "250-PIPELINING", "250-8BITMIME", "250 SMTPUTF8"};

    private ScriptedSmtpServer server;

    @AfterEach
    void tearDown() throws Exception {
        if (server == null) {
            return;
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.close();
    }

    private List<MessageLedger> send(String[] ehlo, OutgoingMessage... messages) throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().ehloReply(ehlo).build());
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            return c.send(List.of(messages));
        }
    }

    private List<String> lines() {
        return server.commands().stream().map(RecordedCommand::line).toList();
    }

    @Test
    void anIdnRecipientBesideAsciiOnesGoesAsALabelsWithoutSmtpUtf8() throws Exception {
        MessageLedger ledger = send(NO_SMTPUTF8, ClientFixtures.message(100, rcpt(1), "ann@b\u00fccher.example",
                rcpt(2))).get(0);
        assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(ledger.recipients().get(1).address()).as("the ledger keeps the address as given")
                .isEqualTo("ann@b\u00fccher.example");
        assertThat(lines()).contains("RCPT TO:<" + rcpt(1) + ">", "RCPT TO:<ann@xn--bcher-kva.example>",
                "RCPT TO:<" + rcpt(2) + ">");
        assertThat(lines()).filteredOn(l -> l.startsWith("MAIL")).singleElement().asString().doesNotContain("SMTPUTF8");
        assertThat(server.messages().get(0).recipients())
                .containsExactly(rcpt(1), "ann@xn--bcher-kva.example", rcpt(2));
    }

    @Test
    void anIdnSenderGoesAsALabelsWithoutSmtpUtf8() throws Exception {
        MessageLedger ledger = send(NO_SMTPUTF8, ClientFixtures.message("me@m\u00fcller.example", 100, rcpt(1)))
                .get(0);
        assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(lines()).anyMatch(l -> l.startsWith("MAIL FROM:<me@xn--mller-kva.example>"));
    }

    @Test
    void aNonAsciiLocalPartWithoutSmtpUtf8FailsOnlyThatRecipient() throws Exception {
        MessageLedger ledger = send(NO_SMTPUTF8, ClientFixtures.message(100, rcpt(1), "j\u00fcrgen@example.net",
                "ann@b\u00fccher.example")).get(0);
        RecipientResult refused = ledger.recipients().get(1);
        assertThat(refused.status()).isEqualTo(RecipientStatus.FAILED);
        SmtpError e = refused.error().orElseThrow();
        assertThat(e.type()).isEqualTo(FailureType.LOCAL);
        assertThat(e.step()).isEqualTo(SmtpStep.RCPT_TO);
        assertThat(e.description()).contains("local part is not ASCII").contains("SMTPUTF8");
        assertThat(ledger.recipients().get(0).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(ledger.recipients().get(2).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(lines()).noneMatch(l -> l.contains("rgen@"));
        assertThat(server.messages()).singleElement().satisfies(m -> assertThat(m.recipients())
                .containsExactly(rcpt(1), "ann@xn--bcher-kva.example"));
    }

    @Test
    void aNonAsciiLocalPartOfTheSenderWithoutSmtpUtf8FailsTheMessage() throws Exception {
        List<MessageLedger> ledgers = send(NO_SMTPUTF8, ClientFixtures.message("j\u00fcrgen@example.com", 100,
                rcpt(1), rcpt(2)), ClientFixtures.message(100, rcpt(3)));
        assertThat(ledgers.get(0).started()).isFalse();
        for (RecipientResult r : ledgers.get(0).recipients()) {
            SmtpError e = r.error().orElseThrow();
            assertThat(e.type()).isEqualTo(FailureType.LOCAL);
            assertThat(e.step()).isEqualTo(SmtpStep.MAIL_FROM);
            assertThat(e.description()).contains("sender").contains("SMTPUTF8");
        }
        assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(lines()).filteredOn(l -> l.startsWith("MAIL")).hasSize(1);
    }

    @Test
    void withSmtpUtf8EverythingGoesInUtf8AsGiven() throws Exception {
        MessageLedger ledger = send(SMTPUTF8, ClientFixtures.message(100, rcpt(1), "j\u00fcrgen@example.net",
                "ann@b\u00fccher.example")).get(0);
        assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(lines()).filteredOn(l -> l.startsWith("MAIL")).singleElement().asString().contains(" SMTPUTF8");
        assertThat(lines()).contains("RCPT TO:<j\u00fcrgen@example.net>", "RCPT TO:<ann@b\u00fccher.example>");
    }

    @Test
    void aDomainWithoutAnALabelFormFailsOnlyThatRecipient() {
        // a label over 63 octets once converted has no A-label (RFC 5890 §2.3.2.1)
        EnvelopeAddress a = EnvelopeAddress.of("ann@" + "\u00fc".repeat(70) + ".example", false);
        assertThat(a.wire()).isNull();
        assertThat(a.problem()).contains("IDNA");
        assertThat(EnvelopeAddress.of("ann@b\u00fccher.example", true).wire()).isEqualTo("ann@b\u00fccher.example");
    }
}
