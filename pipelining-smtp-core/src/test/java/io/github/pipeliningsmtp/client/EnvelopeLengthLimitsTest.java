package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 5321 §4.5.3.1 limits, checked before anything is written: a recipient over one fails alone
 * (LOCAL, its RCPT TO never written), a sender over one fails the message; each limit at its boundary.
 */
class EnvelopeLengthLimitsTest {

    private ScriptedSmtpServer server;

    @AfterEach
    void tearDown() throws Exception {
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

    private List<MessageLedger> send(OutgoingMessage... messages) throws Exception {
        return send(ClientFixtures.D_EHLO, messages);
    }

    private List<String> rcptLines() {
        return server.commands().stream().map(RecordedCommand::line).filter(l -> l.startsWith("RCPT")).toList();
    }

    private static String x(int n) {
        return "x".repeat(n);
    }

    /** A domain of exactly {@code octets} octets, in labels of 49 and a last one of 1 to 50. */
    private static String domain(int octets) {
        StringBuilder sb = new StringBuilder();
        while (octets - sb.length() > 50) {
            sb.append("d".repeat(49)).append('.');
        }
        return sb.append("e".repeat(octets - sb.length())).toString();
    }

    private static SmtpError localError(MessageLedger ledger, int index) {
        RecipientResult r = ledger.recipients().get(index);
        assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
        SmtpError e = r.error().orElseThrow();
        assertThat(e.type()).isEqualTo(FailureType.LOCAL);
        return e;
    }

    @Test
    void a100000CharacterLocalPartFailsAloneAndIsNeverWritten() throws Exception {
        String huge = x(100_000) + "@example.net";
        // as a Bcc: in a To header the address would make a header line over 998 octets (RFC 5322
        // §2.1.1), which fails the whole message locally
        byte[] content = ("From: " + ClientFixtures.SENDER + "\r\nTo: " + rcpt(1) + ", " + rcpt(2)
                + "\r\nSubject: limits\r\n\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII);
        MessageLedger ledger = send(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1), huge, rcpt(2)),
                MessageContent.of(content))).get(0);
        SmtpError e = localError(ledger, 1);
        assertThat(e.step()).isEqualTo(SmtpStep.RCPT_TO);
        assertThat(e.description()).contains("local part is 100000 octets, over the limit of 64 octets")
                .contains("4.5.3.1.1").hasSizeLessThan(300);
        assertThat(ledger.recipients().get(1).address()).isEqualTo(huge);
        assertThat(ledger.recipients().get(0).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(ledger.recipients().get(2).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(ledger.status()).isEqualTo(MessageStatus.PARTIAL);
        assertThat(rcptLines()).containsExactly("RCPT TO:<" + rcpt(1) + ">", "RCPT TO:<" + rcpt(2) + ">");
        assertThat(server.messages().get(0).recipients()).containsExactly(rcpt(1), rcpt(2));
    }

    @Test
    void localPartOf64GoesAnd65FailsLocally() throws Exception {
        String ok = x(64) + "@example.net";
        String over = x(65) + "@example.net";
        MessageLedger ledger = send(ClientFixtures.message(100, ok, over)).get(0);
        assertThat(ledger.recipients().get(0).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(localError(ledger, 1).description()).contains("local part is 65 octets, over the limit of 64");
        assertThat(rcptLines()).containsExactly("RCPT TO:<" + ok + ">");
    }

    @Test
    void domainOf255GoesAnd256FailsLocally() throws Exception {
        // a domain of 255 octets is within its own limit but makes a path over 256 (§4.5.3.1.3)
        String over = "a@" + domain(256);
        MessageLedger ledger = send(ClientFixtures.message(100, over, rcpt(1))).get(0);
        assertThat(localError(ledger, 0).description()).contains("domain is 256 octets, over the limit of 255")
                .contains("4.5.3.1.2");
        String ok = "a@" + domain(255);
        SmtpError e = localError(send(ClientFixtures.message(100, ok, rcpt(1))).get(0), 0);
        assertThat(e.description()).as("255 passes the domain limit, then the path limit applies")
                .contains("path is 259 octets, over the limit of 256").doesNotContain("domain is");
        assertThat(EnvelopeAddress.of("a@" + domain(255), false).problem()).contains("path");
    }

    @Test
    void pathOf256GoesAnd257FailsLocally() throws Exception {
        // <local@domain>: 2 + 64 + 1 + 189 = 256
        String ok = x(64) + "@" + domain(189);
        String over = x(64) + "@" + domain(190);
        MessageLedger ledger = send(ClientFixtures.message(100, ok, over)).get(0);
        assertThat(ledger.recipients().get(0).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(localError(ledger, 1).description()).contains("path is 257 octets, over the limit of 256")
                .contains("4.5.3.1.3");
        assertThat(rcptLines()).containsExactly("RCPT TO:<" + ok + ">");
    }

    @Test
    void commandLineOf512WithDsnParametersGoesAnd513FailsLocally() throws Exception {
        // "RCPT TO:<" + a + ">" [+ " NOTIFY=NEVER"] + " ORCPT=rfc822;" + xtext(a) + CRLF; each '+' of
        // the local part is 3 octets in xtext, so a 41-octet local part of 40 '+' counts 41 + 121
        String local = "+".repeat(40) + "a";
        String ok = local + "@" + domain(161);      // 26 + 2 * 203 + 80 = 512 octets, no NOTIFY
        String over = local + "@" + domain(155);    // 39 + 2 * 197 + 80 = 513 octets, with NOTIFY=NEVER
        DsnOptions orcptOnly = new DsnOptions(EnumSet.noneOf(DsnOptions.Notify.class), null, null, true);
        DsnOptions never = new DsnOptions(EnumSet.of(DsnOptions.Notify.NEVER), null, null, true);
        OutgoingMessage first = new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, ok, rcpt(1)),
                MessageContent.of("Subject: dsn\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)), orcptOnly);
        OutgoingMessage second = new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, over, rcpt(2)),
                MessageContent.of("Subject: dsn\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)), never);
        String[] ehlo = {"250-mail.example.com", "250-PIPELINING", "250 DSN"};
        List<MessageLedger> ledgers = send(ehlo, first, second);
        List<String> rcpts = rcptLines();
        assertThat(rcpts.get(0)).startsWith("RCPT TO:<" + ok + "> ORCPT=rfc822;+2B");
        assertThat(rcpts.get(0).getBytes(StandardCharsets.US_ASCII).length + 2).isEqualTo(512);
        assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(localError(ledgers.get(1), 0).description())
                .contains("command line (with its parameters and CRLF) is 513 octets, over the limit of 512")
                .contains("4.5.3.1.4");
        assertThat(ledgers.get(1).recipients().get(1).status()).isEqualTo(RecipientStatus.SUCCEEDED);
        assertThat(rcpts).hasSize(3).noneMatch(l -> l.startsWith("RCPT TO:<" + over + ">"));
    }

    @Test
    void aSenderOverALimitFailsTheWholeMessageAndNothingIsWritten() throws Exception {
        String sender = x(65) + "@example.com";
        List<MessageLedger> ledgers = send(ClientFixtures.message(sender, 100, rcpt(1), rcpt(2)),
                ClientFixtures.message(100, rcpt(3)));
        MessageLedger first = ledgers.get(0);
        assertThat(first.started()).isFalse();
        for (int i = 0; i < 2; i++) {
            SmtpError e = localError(first, i);
            assertThat(e.step()).isEqualTo(SmtpStep.MAIL_FROM);
            assertThat(e.description()).contains("local part is 65 octets, over the limit of 64");
        }
        assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.commands().stream().map(RecordedCommand::line)).noneMatch(l -> l.contains(x(65)));
    }

    @Test
    void everyRecipientOverALimitWritesNothing() throws Exception {
        MessageLedger ledger = send(ClientFixtures.message(100, x(70) + "@example.net")).get(0);
        assertThat(ledger.started()).isFalse();
        assertThat(localError(ledger, 0).step()).isEqualTo(SmtpStep.RCPT_TO);
        assertThat(server.commands().stream().map(RecordedCommand::line)).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    void allOrNothingWritesNothingWhenARecipientFailsLocally() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().ehloReply(ClientFixtures.D_EHLO).build());
        MessageLedger ledger;
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            ledger = c.send(List.of(ClientFixtures.message(100, rcpt(1), x(65) + "@example.net")),
                    DeliveryPolicy.ALL_OR_NOTHING).get(0);
        }
        assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(localError(ledger, 0).description()).contains("all-or-nothing").contains("65 octets");
        assertThat(server.commands().stream().map(RecordedCommand::line)).noneMatch(l -> l.startsWith("MAIL"));
    }
}
