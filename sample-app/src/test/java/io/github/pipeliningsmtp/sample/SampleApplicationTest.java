package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The sample on its embedded default (no smtp.pipelining.host): GreenMail behind the PIPELINING relay,
 * a small startup batch, and POST /newsletter over a real HTTP port.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "sample.batch-size=7")
@AutoConfigureRestTestClient
class SampleApplicationTest {

    private static final Pattern LEDGER = Pattern.compile(
            "ledger: messages=(\\d+) accepted=(\\d+) succeeded=(\\d+) failed=(\\d+) unknown=(\\d+) round-trips=(\\d+)");

    @Autowired
    private EmbeddedSmtpServer embedded;

    @Autowired
    private JavaMailSender mailSender;

    @Autowired
    private RestTestClient client;

    @Test
    void theStarterSenderIsTheJavaMailSenderAndPointsAtTheEmbeddedServer() {
        assertThat(mailSender).isInstanceOf(io.github.pipeliningsmtp.sender.PipelinedMailSender.class);
        assertThat(embedded.port()).isNotEqualTo(embedded.greenMailPort());
    }

    @Test
    void startupBatchLogsOneLedgerLineAndGreenMailReceivesEveryMessage(CapturedOutput output) throws Exception {
        List<String> lines = output.getAll().lines().filter(l -> l.contains("ledger: ")).toList();
        assertThat(lines).hasSize(1);
        Matcher m = LEDGER.matcher(lines.get(0));
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("7");
        assertThat(m.group(3)).as("succeeded").isEqualTo(m.group(1));
        assertThat(m.group(2)).as("accepted").isEqualTo("7");
        assertThat(m.group(4)).as("failed").isEqualTo("0");
        assertThat(m.group(5)).as("unknown").isEqualTo("0");
        assertThat(output.getAll()).contains("started an embedded SMTP server");

        List<MimeMessage> batch = received("Sample batch message ");
        assertThat(batch).hasSize(7);
        // message i goes to recipient i modulo 3
        assertThat(batch.stream().map(SampleApplicationTest::to).sorted().toList()).containsExactly(
                "alice@example.com", "alice@example.com", "alice@example.com",
                "bob@example.com", "bob@example.com", "carol@example.com", "carol@example.com");
    }

    @Test
    void newsletterReturnsTheLedgerAsJson() throws Exception {
        List<String> recipients = List.of("ann@example.com", "ben@example.com", "cat@example.com", "dan@example.com");
        LedgerView ledger = client.post().uri("/newsletter").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("subject", "Newsletter 42", "text", "Hello.\n.A line with a leading dot.\n",
                        "recipients", recipients))
                .exchange()
                .expectStatus().isOk()
                .expectBody(LedgerView.class).returnResult().getResponseBody();

        assertThat(ledger).isNotNull();
        assertThat(ledger.messages()).isEqualTo(4);
        assertThat(ledger.succeeded()).isEqualTo(4);
        assertThat(ledger.accepted()).isEqualTo(4);
        assertThat(ledger.failed()).isZero();
        assertThat(ledger.unknown()).isZero();
        assertThat(ledger.roundTrips()).isPositive();
        assertThat(ledger.results()).extracting(LedgerView.MessageView::recipient).containsExactlyElementsOf(recipients);
        assertThat(ledger.results()).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo("SUCCEEDED");
            assertThat(r.error()).isNull();
        });
        List<MimeMessage> arrived = received("Newsletter 42");
        assertThat(arrived.stream().map(SampleApplicationTest::to).sorted().toList()).containsExactlyElementsOf(recipients);
        assertThat(((String) arrived.get(0).getContent()).replace("\r\n", "\n")).startsWith("Hello.\n.A line with a leading dot.");
    }

    @Test
    void newsletterWithoutRecipientsIsABadRequest() {
        client.post().uri("/newsletter").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("subject", "nobody", "recipients", List.of()))
                .exchange()
                .expectStatus().isBadRequest();
    }

    @Test
    void newsletterWithAnAddressThatDoesNotParseIsABadRequest() {
        client.post().uri("/newsletter").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("subject", "bad", "recipients", List.of("ok@example.com", "not an address")))
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody(String.class).value(body -> assertThat(body).contains("recipients[1]"));
        assertThat(received("bad")).isEmpty();
    }

    private List<MimeMessage> received(String subjectPrefix) {
        return Arrays.stream(embedded.greenMail().getReceivedMessages()).filter(m -> {
            try {
                return m.getSubject() != null && m.getSubject().startsWith(subjectPrefix);
            } catch (MessagingException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static String to(MimeMessage message) {
        try {
            return message.getRecipients(Message.RecipientType.TO)[0].toString();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
