package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CR/LF injection in the envelope (docs/fault-kinds.md#crlf-injection): nothing an attacker puts in an address,
 * parameter or header becomes a command or header.
 */
class InjectionTest {

    private static final String ATTACKER = "attacker@example.org";

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.close();
    }

    @Test
    void injectedAddressesAreRejectedBeforeAnythingIsWrittenAndTheConnectionStaysUsable() throws Exception {
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            long commandsBefore = c.commandsSent();
            assertThatThrownBy(() -> c.send(List.of(ClientFixtures.message(100,
                    "rcpt-1@example.net>\r\nRCPT TO:<" + ATTACKER))))
                    .isInstanceOf(IllegalArgumentException.class);
            OutgoingMessage badSender = new OutgoingMessage(
                    Envelope.of("sender@example.com>\nRCPT TO:<" + ATTACKER, rcpt(1)),
                    MessageContent.of("Subject: x\r\n\r\nx".getBytes(StandardCharsets.US_ASCII)));
            assertThatThrownBy(() -> c.send(List.of(ClientFixtures.message(100, rcpt(2)), badSender)))
                    .as("a bad message anywhere in the batch stops the batch before any byte")
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(c.commandsSent()).isEqualTo(commandsBefore);
            assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
            assertThat(c.send(List.of(ClientFixtures.message(100, rcpt(3)))).get(0).status())
                    .isEqualTo(MessageStatus.SUCCEEDED);
        }
        List<String> lines = server.commands().stream().map(RecordedCommand::line).toList();
        assertThat(lines).filteredOn(l -> l.startsWith("MAIL")).hasSize(1);
        assertThat(lines).noneMatch(l -> l.contains(ATTACKER));
    }

    @Test
    void headerInjectionThroughSubjectAndDisplayNameIsFoldedByJakartaMail() throws Exception {
        MimeMessage mime = new MimeMessage(Session.getInstance(new Properties()));
        mime.setFrom(new InternetAddress(ClientFixtures.SENDER));
        mime.setSubject("Hi\r\nBcc: " + ATTACKER);
        mime.setRecipient(Message.RecipientType.TO, new InternetAddress(rcpt(1), "Evil\r\nBcc: " + ATTACKER));
        mime.setText("body");
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            OutgoingMessage m = new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)), MessageContent.of(mime));
            assertThat(c.send(List.of(m)).get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()),
                new java.io.ByteArrayInputStream(server.messages().get(0).content()));
        assertThat(parsed.getHeader("Subject")).hasSize(1);
        assertThat(parsed.getHeader("Bcc")).isNull();
        assertThat(server.commands()).extracting(RecordedCommand::line).noneMatch(l -> l.contains(ATTACKER));
    }

    @Test
    void aRawHeaderWithABareLineBreakFailsTheMessageLocally() throws Exception {
        MimeMessage mime = new MimeMessage(Session.getInstance(new Properties()));
        mime.setFrom(new InternetAddress(ClientFixtures.SENDER));
        mime.setHeader("X-Note", "hello\r\nBcc: " + ATTACKER);
        mime.setText("body");
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            OutgoingMessage m = new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)), MessageContent.of(mime));
            MessageLedger ledger = c.send(List.of(m)).get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledger.recipients().get(0).error().orElseThrow().type()).isEqualTo(FailureType.LOCAL);
            assertThat(ledger.contentCommitted()).isFalse();
            assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
        }
        assertThat(server.messages()).isEmpty();
        assertThat(server.commands()).extracting(RecordedCommand::line).noneMatch(l -> l.startsWith("MAIL"));
    }
}
