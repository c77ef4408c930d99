package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.pipeliningsmtp.testing.PipeliningRelay;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Acceptance test of the engine: 1,000 Jakarta Mail messages (about 1 KB, 1-3 recipients, some with
 * dot lines, bare LF line ends and 8-bit UTF-8 text) sent in one {@code send()} call on one
 * connection to GreenMail, an independent server: pipelined through {@link PipeliningRelay} (which
 * adds PIPELINING to GreenMail's EHLO reply) in at most N + 2 round trips after EHLO, then directly
 * without pipelining. Every message is stored exactly once per recipient with the content
 * {@code MimeMessage.writeTo} produced, after CRLF normalisation.
 */
class GreenMailBatchAcceptanceTest {

    private static final int N = 1000;
    private static final String SENDER = "sender@example.com";

    private GreenMail greenMail;
    private final Session session = Session.getInstance(new Properties());

    @BeforeEach
    void startGreenMail() {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        greenMail.start();
    }

    @AfterEach
    void stopGreenMail() {
        greenMail.stop();
    }

    /** One message of the batch, with what GreenMail must end up storing. */
    private record Case(int seq, OutgoingMessage message, byte[] expectedBody, String eightBitText) {
    }

    private List<Case> batch() throws Exception {
        List<Case> cases = new ArrayList<>(N);
        for (int i = 0; i < N; i++) {
            cases.add(newCase(i));
        }
        return cases;
    }

    private Case newCase(int i) throws MessagingException, IOException {
        int count = 1 + i % 3;
        String[] recipients = new String[count];
        for (int k = 0; k < count; k++) {
            recipients[k] = "rcpt-" + ((i * 7 + k) % 50) + "@example.net";
        }
        MimeMessage mime = new MimeMessage(session);
        mime.setFrom(new InternetAddress(SENDER));
        for (String r : recipients) {
            mime.addRecipient(Message.RecipientType.TO, new InternetAddress(r));
        }
        mime.setSubject("batch message " + i);
        mime.setHeader("X-Seq", Integer.toString(i));
        String lineEnd = i % 4 == 1 ? "\n" : "\r\n"; // bare LF in a quarter of the bodies
        StringBuilder body = new StringBuilder();
        if (i % 5 == 0) {
            body.append(".leading dot").append(lineEnd).append('.').append(lineEnd).append("..").append(lineEnd)
                    .append(".\r\n.").append(lineEnd);
        }
        boolean eightBit = i % 4 == 2;
        while (body.length() < 1000) {
            body.append(eightBit ? "Grüße aus Köln, Nachricht " : "hello from message ").append(i)
                    .append(", line ").append(body.length()).append(lineEnd);
        }
        if (i % 10 == 3) {
            body.append(".last line is a dot line without line end");
        }
        if (eightBit) {
            mime.setText(body.toString(), "UTF-8");
            mime.setHeader("Content-Transfer-Encoding", "8bit");
        } else {
            mime.setText(body.toString(), "US-ASCII");
            mime.setHeader("Content-Transfer-Encoding", "7bit");
        }
        mime.saveChanges();
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        mime.writeTo(written);
        byte[] normalised = crlf(written.toByteArray());
        if (eightBit) {
            assertThat(new String(normalised, StandardCharsets.UTF_8)).contains("Grüße");
        }
        if (i % 4 == 1) {
            assertThat(written.toString(StandardCharsets.US_ASCII)).as("a bare LF reaches the encoder")
                    .containsPattern("[^\r]\n");
        }
        return new Case(i, new OutgoingMessage(Envelope.of(SENDER, recipients), MessageContent.of(mime)),
                body(normalised), eightBit ? body.toString() : null);
    }

    private static ConnectionSettings settings(int port) {
        return ConnectionSettings.builder("127.0.0.1", port)
                .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                .connectTimeout(Duration.ofSeconds(2))
                .commandTimeout(Duration.ofSeconds(10))
                .dataTimeout(Duration.ofSeconds(20))
                .ehloName("client.example.org")
                .build();
    }

    @Test
    void thousandMessagesPipelinedThroughTheRelayInAtMostNPlus2RoundTrips() throws Exception {
        List<Case> cases = batch();
        long roundTrips;
        long clientWrites;
        try (PipeliningRelay relay = PipeliningRelay.start("127.0.0.1", greenMail.getSmtp().getPort())) {
            List<MessageLedger> ledgers;
            try (SmtpConnection c = SmtpConnection.open(settings(relay.port()))) {
                assertThat(c.isPipelining()).isTrue();
                relay.resetCounters();
                ledgers = c.send(cases.stream().map(Case::message).toList());
                assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
            }
            roundTrips = relay.roundTrips();
            clientWrites = relay.clientWrites();
            System.out.println("[GreenMailBatchAcceptanceTest] " + N + " messages through PipeliningRelay: "
                    + roundTrips + " round trips after EHLO (QUIT included), limit N + 2 = " + (N + 2)
                    + "; " + clientWrites + " client chunks");
            assertAllSucceeded(ledgers);
        }
        assertThat(roundTrips).isLessThanOrEqualTo(N + 2);
        // content, terminator and the next envelope leave in one write: (almost) one chunk per round
        // trip, even though MimeMessage.writeTo flushes its stream (a small slack for the kernel)
        assertThat(clientWrites).isLessThanOrEqualTo(roundTrips + N / 100);
        assertStoredExactlyOncePerRecipient(cases);
    }

    @Test
    void thousandMessagesDirectlyToGreenMailWithoutPipelining() throws Exception {
        List<Case> cases = batch();
        List<MessageLedger> ledgers;
        try (SmtpConnection c = SmtpConnection.open(settings(greenMail.getSmtp().getPort()))) {
            assertThat(c.capabilities().pipelining()).isFalse();
            assertThat(c.isPipelining()).isFalse();
            ledgers = c.send(cases.stream().map(Case::message).toList());
            assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
        }
        assertAllSucceeded(ledgers);
        assertStoredExactlyOncePerRecipient(cases);
    }

    private static void assertAllSucceeded(List<MessageLedger> ledgers) {
        assertThat(ledgers).hasSize(N);
        for (MessageLedger ledger : ledgers) {
            assertThat(ledger.status()).as(ledger.toString()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(ledger.finalReply().orElseThrow().code()).isEqualTo(250);
        }
    }

    private void assertStoredExactlyOncePerRecipient(List<Case> cases) throws Exception {
        int deliveries = cases.stream().mapToInt(c -> c.message().envelope().recipients().size()).sum();
        assertThat(greenMail.waitForIncomingEmail(10_000, deliveries)).isTrue();
        // recipient -> X-Seq values expected in its mailbox
        Map<String, List<Integer>> expected = new TreeMap<>();
        for (Case c : cases) {
            for (String r : c.message().envelope().recipients()) {
                expected.computeIfAbsent(r, k -> new ArrayList<>()).add(c.seq());
            }
        }
        int seen = 0;
        for (Map.Entry<String, List<Integer>> entry : expected.entrySet()) {
            List<MimeMessage> mailbox = greenMail.findReceivedMessages(
                    u -> entry.getKey().equalsIgnoreCase(u.getEmail()), m -> true).toList();
            Map<Integer, Integer> copies = new HashMap<>();
            for (MimeMessage stored : mailbox) {
                int seq = Integer.parseInt(stored.getHeader("X-Seq")[0]);
                copies.merge(seq, 1, Integer::sum);
                assertBodyEquals(cases.get(seq), stored);
            }
            assertThat(copies.keySet()).as("messages stored for %s", entry.getKey())
                    .containsExactlyInAnyOrderElementsOf(entry.getValue());
            assertThat(copies.values()).as("copies per message for %s", entry.getKey()).containsOnly(1);
            seen += mailbox.size();
        }
        assertThat(seen).isEqualTo(deliveries);
        assertThat(greenMail.getReceivedMessages()).hasSize(deliveries);
    }

    private static void assertBodyEquals(Case c, MimeMessage stored) throws Exception {
        if (c.eightBitText() != null) {
            // GreenMail does not offer 8BITMIME: the body was re-encoded in 7 bits (RFC 6152 §3) and
            // must decode to the same text
            assertThat(stored.getEncoding()).as("transfer encoding of X-Seq %d", c.seq())
                    .isIn("quoted-printable", "base64");
            String decoded = ((String) stored.getContent()).replace("\r\n", "\n").stripTrailing();
            assertThat(decoded).as("decoded body of X-Seq %d", c.seq())
                    .isEqualTo(c.eightBitText().replace("\r\n", "\n").stripTrailing());
            return;
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        stored.writeTo(raw);
        byte[] actual = stripTrailingCrlf(body(crlf(raw.toByteArray())));
        byte[] expected = stripTrailingCrlf(c.expectedBody());
        if (!Arrays.equals(actual, expected)) {
            assertThat(new String(actual, StandardCharsets.UTF_8)).as("body of X-Seq %d", c.seq())
                    .isEqualTo(new String(expected, StandardCharsets.UTF_8));
            assertThat(actual).as("body octets of X-Seq %d", c.seq()).isEqualTo(expected);
        }
    }

    /** Turns every bare CR and bare LF into CRLF. */
    private static byte[] crlf(byte[] in) {
        return io.github.pipeliningsmtp.testing.LineEnds.crlf(in);
    }

    /** The octets after the first empty line (the header/body separator). */
    private static byte[] body(byte[] message) {
        for (int i = 0; i + 3 < message.length; i++) {
            if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
                return Arrays.copyOfRange(message, i + 4, message.length);
            }
        }
        throw new AssertionError("no header/body separator");
    }

    private static byte[] stripTrailingCrlf(byte[] b) {
        int end = b.length;
        while (end >= 2 && b[end - 2] == '\r' && b[end - 1] == '\n') {
            end -= 2;
        }
        return Arrays.copyOf(b, end);
    }
}
