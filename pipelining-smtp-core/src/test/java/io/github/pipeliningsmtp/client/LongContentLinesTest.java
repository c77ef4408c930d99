package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Content lines over 998 octets (RFC 5322 §2.1.1), found by a scan before MAIL FROM: a MIME part is
 * re-encoded (quoted-printable for text) and decodes to the same text; content that cannot be
 * re-encoded (raw bytes, a header line) fails the message locally and nothing of it is written.
 */
class LongContentLinesTest {

    private static final String LONG_LINE = "word ".repeat(400);   // 2,000 octets

    private ScriptedSmtpServer server;

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.close();
    }

    private List<MessageLedger> send(OutgoingMessage... messages) throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().ehloReply(ClientFixtures.EHLO_NO_SIZE).build());
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            return c.send(List.of(messages));
        }
    }

    private static MimeMessage parse(String raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII)));
    }

    private static int longestLine(byte[] content) {
        int longest = 0;
        for (String line : new String(content, StandardCharsets.ISO_8859_1).split("\r\n")) {
            longest = Math.max(longest, line.length());
        }
        return longest;
    }

    @Test
    void aRawMimeMessageWithA2000OctetLineIsReencodedAndDecodesToTheSameText() throws Exception {
        String text = "first line\r\n" + LONG_LINE + "\r\nlast line\r\n";
        MimeMessage m = parse("From: " + ClientFixtures.SENDER + "\r\nSubject: long\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + text);
        MessageLedger ledger = send(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)),
                MessageContent.of(m))).get(0);
        assertThat(ledger.status()).as(ledger.toString()).isEqualTo(MessageStatus.SUCCEEDED);
        byte[] stored = server.messages().get(0).content();
        assertThat(longestLine(stored)).isLessThanOrEqualTo(998);
        MimeMessage received = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(stored));
        assertThat(received.getEncoding()).isEqualTo("quoted-printable");
        assertThat(((String) received.getContent()).replace("\r\n", "\n")).isEqualTo(text.replace("\r\n", "\n"));
    }

    @Test
    void aLongLineInAPartOfARawMultipartIsReencodedAndTheOtherPartKept() throws Exception {
        String text = LONG_LINE + "\r\n";
        MimeMessage m = parse("From: " + ClientFixtures.SENDER + "\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + text
                + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + "aGVsbG8=\r\n--b1--\r\n");
        MessageLedger ledger = send(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)),
                MessageContent.of(m))).get(0);
        assertThat(ledger.status()).as(ledger.toString()).isEqualTo(MessageStatus.SUCCEEDED);
        byte[] stored = server.messages().get(0).content();
        assertThat(longestLine(stored)).isLessThanOrEqualTo(998);
        MimeMessage received = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(stored));
        jakarta.mail.Multipart parts = (jakarta.mail.Multipart) received.getContent();
        // the CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1)
        assertThat(parts.getBodyPart(0).getContent()).isEqualTo(LONG_LINE);
        assertThat(parts.getBodyPart(1).getInputStream().readAllBytes())
                .isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void rawBytesWithA2000OctetLineFailLocallyAndNothingIsWritten() throws Exception {
        byte[] raw = ("Subject: long\r\n\r\n" + LONG_LINE + "\r\n").getBytes(StandardCharsets.US_ASCII);
        List<MessageLedger> ledgers = send(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1), rcpt(2)),
                MessageContent.of(raw)), ClientFixtures.message(100, rcpt(3)));
        MessageLedger refused = ledgers.get(0);
        assertThat(refused.started()).isFalse();
        for (RecipientResult r : refused.recipients()) {
            SmtpError e = r.error().orElseThrow();
            assertThat(e.type()).isEqualTo(FailureType.LOCAL);
            assertThat(e.step()).isEqualTo(SmtpStep.DATA_CONTENT);
            assertThat(e.description()).contains("line of 2000 octets, over the limit of 998").contains("2.1.1");
        }
        assertThat(ledgers.get(1).status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.commands().stream().map(RecordedCommand::line)).filteredOn(l -> l.startsWith("MAIL"))
                .hasSize(1);
    }

    @Test
    void aHeaderLineOver998OctetsCannotBeReencodedAndFailsLocally() throws Exception {
        MimeMessage m = parse("From: " + ClientFixtures.SENDER + "\r\nX-Long: " + "x".repeat(1200)
                + "\r\nSubject: long header\r\n\r\nbody\r\n");
        MessageLedger ledger = send(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)),
                MessageContent.of(m))).get(0);
        SmtpError e = ledger.recipients().get(0).error().orElseThrow();
        assertThat(e.type()).isEqualTo(FailureType.LOCAL);
        assertThat(e.description()).contains("over the limit of 998");
        assertThat(server.commands().stream().map(RecordedCommand::line)).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    void aLineOf998OctetsIsSentAsItIs() throws Exception {
        String line = "y".repeat(998);
        byte[] raw = ("Subject: edge\r\n\r\n" + line + "\r\n").getBytes(StandardCharsets.US_ASCII);
        MessageLedger ledger = send(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)),
                MessageContent.of(raw))).get(0);
        assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(server.messages().get(0).contentAsString()).contains(line + "\r\n");
    }
}
