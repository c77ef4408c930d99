package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SMTPUTF8 (with UTF-8 recipients in a large group: docs/fault-kinds.md#pipeline-framing), SIZE, 8BITMIME and DSN
 * parameters: used when offered, refused locally when needed and not.
 */
class ExtensionParametersTest {

    private ScriptedSmtpServer server;

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.close();
    }

    private void start(String... ehlo) throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().ehloReply(ehlo).build());
    }

    private List<String> lines() {
        return server.commands().stream().map(RecordedCommand::line).toList();
    }

    private static MimeMessage mime(String text, String cte) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(new InternetAddress(ClientFixtures.SENDER));
        m.setSubject("extensions");
        m.setText(text, "UTF-8");
        if (cte != null) {
            m.setHeader("Content-Transfer-Encoding", cte);
        }
        m.saveChanges();
        return m;
    }

    @Test
    void groupOf460Utf8RecipientsWithSmtpUtf8() throws Exception {
        start("250-mail.example.com", "250-PIPELINING", "250-SMTPUTF8", "250 8BITMIME");
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < 460; i++) {
            recipients.add(String.format("pr\u00fcfer-%03d@example.net", i));
        }
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(512, recipients.toArray(new String[0])))).get(0);
            assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(460);
        }
        List<String> lines = lines();
        assertThat(lines).filteredOn(l -> l.startsWith("MAIL")).singleElement().asString().contains(" SMTPUTF8");
        List<String> rcpts = lines.stream().filter(l -> l.startsWith("RCPT")).toList();
        for (int i = 0; i < 460; i++) {
            assertThat(rcpts.get(i)).isEqualTo("RCPT TO:<" + recipients.get(i) + ">");
        }
        assertThat(server.messages().get(0).recipients()).isEqualTo(recipients);
    }

    @Test
    void utf8AddressWithoutSmtpUtf8FailsLocallyAndNothingIsWritten() throws Exception {
        start("250-mail.example.com", "250 PIPELINING");
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            List<MessageLedger> ledgers = c.send(List.of(ClientFixtures.message(100, "pr\u00fcfer@example.net"),
                    ClientFixtures.message(100, rcpt(1))));
            SmtpError e = ledgers.get(0).recipients().get(0).error().orElseThrow();
            assertThat(e.type()).isEqualTo(FailureType.LOCAL);
            assertThat(e.description()).contains("SMTPUTF8");
            assertThat(ledgers.get(0).started()).isFalse();
            assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(lines()).noneMatch(l -> l.contains("pr\u00fcfer"));
    }

    @Test
    void sizeIsDeclaredAndAMessageOverTheLimitFailsLocallyWithBothSizes() throws Exception {
        start("250-mail.example.com", "250-PIPELINING", "250-SIZE 2000", "250 8BITMIME");
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            List<MessageLedger> ledgers = c.send(List.of(ClientFixtures.message(5000, rcpt(1)), ClientFixtures.message(500, rcpt(2))));
            SmtpError e = ledgers.get(0).recipients().get(0).error().orElseThrow();
            assertThat(e.type()).isEqualTo(FailureType.LOCAL);
            assertThat(e.description()).contains("over the server's SIZE limit of 2000 octets").containsPattern("is 5\\d{3} octets");
            assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
        }
        String mail = lines().stream().filter(l -> l.startsWith("MAIL")).findFirst().orElseThrow();
        int declared = Integer.parseInt(mail.replaceAll(".* SIZE=(\\d+).*", "$1"));
        assertThat(declared).as("CRLF octets, no dot-stuffing").isEqualTo(server.messages().get(0).content().length);
        assertThat(lines()).filteredOn(l -> l.startsWith("MAIL")).hasSize(1);
    }

    @Test
    void eightBitContentIsDeclaredWhenOfferedAndReencodedWhenNot() throws Exception {
        start("250-mail.example.com", "250-PIPELINING", "250-SIZE 100000", "250 8BITMIME");
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MimeMessage m = mime("Gr\u00fc\u00dfe aus K\u00f6ln\n", "8bit");
            c.send(List.of(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)), MessageContent.of(m))));
        }
        assertThat(lines()).filteredOn(l -> l.startsWith("MAIL")).singleElement().asString().contains("BODY=8BITMIME");
        assertThat(server.messages().get(0).contentAsString()).contains("Gr\u00fc\u00dfe");
        server.close();

        start("250-mail.example.com", "250 PIPELINING");
        MimeMessage m = mime("Gr\u00fc\u00dfe aus K\u00f6ln\n", "8bit");
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger ledger = c.send(List.of(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)),
                    MessageContent.of(m)))).get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        byte[] stored = server.messages().get(0).content();
        for (byte b : stored) {
            assertThat(b & 0xff).isLessThan(128);
        }
        assertThat(lines()).filteredOn(l -> l.startsWith("MAIL")).singleElement().asString().doesNotContain("BODY=");
        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()),
                new java.io.ByteArrayInputStream(stored));
        assertThat(((String) parsed.getContent()).trim()).isEqualTo("Gr\u00fc\u00dfe aus K\u00f6ln");
    }

    @Test
    void dsnParametersAreXtextEncodedAndSentOnlyWhenOffered() throws Exception {
        start("250-mail.example.com", "250-PIPELINING", "250 DSN");
        DsnOptions dsn = new DsnOptions(EnumSet.of(DsnOptions.Notify.SUCCESS, DsnOptions.Notify.FAILURE),
                DsnOptions.Ret.HDRS, "batch 7+1=8\r\nRCPT TO:<attacker@example.org>", true);
        OutgoingMessage m = new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)),
                MessageContent.of("Subject: dsn\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)), dsn);
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            assertThat(c.send(List.of(m)).get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(lines()).contains(
                "MAIL FROM:<sender@example.com> RET=HDRS ENVID=batch+207+2B1+3D8+0D+0ARCPT+20TO:<attacker@example.org>",
                "RCPT TO:<rcpt-1@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;rcpt-1@example.net");
        assertThat(lines()).noneMatch(l -> l.startsWith("RCPT TO:<attacker"));
        server.close();

        start("250-mail.example.com", "250 PIPELINING");
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            c.send(List.of(m));
        }
        assertThat(lines()).contains("MAIL FROM:<sender@example.com>", "RCPT TO:<rcpt-1@example.net>");
    }
}
