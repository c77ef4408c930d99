package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.test.ReceivedMessage;
import io.github.pipeliningsmtp.test.Refusal;
import io.github.pipeliningsmtp.test.Stage;
import io.github.pipeliningsmtp.test.TestSmtpServer;
import io.github.pipeliningsmtp.test.autoconfigure.AutoConfigureTestSmtpServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * {@code POST /newsletter} over a real HTTP port, against the published test server
 * ({@link AutoConfigureTestSmtpServer}): what arrives, and how refused recipients and messages show in
 * the JSON ledger.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "sample.batch-size=0")
@AutoConfigureRestTestClient
@AutoConfigureTestSmtpServer
class NewsletterControllerTest {

    @Autowired
    private TestSmtpServer smtp;

    @Autowired
    private RestTestClient client;

    @Test
    void theSampleTalksToTheTestServerAndStartsNoGreenMail(@Autowired ApplicationContext context,
                                                          @Autowired Environment environment) {
        assertThat(context.containsBean(EmbeddedSmtpServerInitializer.NAME)).isFalse();
        assertThat(environment.getProperty("smtp.pipelining.port", Integer.class)).isEqualTo(smtp.port());
    }

    @Test
    void newsletterReturnsTheLedgerAsJsonAndEveryMessageArrives() {
        List<String> recipients = List.of("ann@example.com", "ben@example.com", "cat@example.com", "dan@example.com");
        LedgerView ledger = post(Map.of("subject", "Newsletter 42", "text", "Hello.\n.A line with a leading dot.\n",
                "recipients", recipients));

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
        List<ReceivedMessage> arrived = smtp.messages();
        assertThat(arrived).flatExtracting(ReceivedMessage::recipients).containsExactlyInAnyOrderElementsOf(recipients);
        assertThat(arrived).allSatisfy(m -> {
            assertThat(m.subject()).isEqualTo("Newsletter 42");
            assertThat(m.header("To")).hasValue(m.recipients().get(0));
            assertThat(m.text()).hasValue("Hello.\n.A line with a leading dot.\n");
        });
    }

    @Test
    void aRefusedRecipientAndARefusedMessageShowTheRepliesThatRefusedThem() {
        smtp.refuseRecipient("ben@example.com", 550, "5.1.1", "No such user");
        smtp.refuse(Refusal.at(Stage.END_OF_DATA, 554, "5.7.1", "Message refused").forRecipient("cat@example.com"));

        LedgerView ledger = post(Map.of("subject", "Refusals", "text", "Hi.\n",
                "recipients", List.of("ann@example.com", "ben@example.com", "cat@example.com")));

        assertThat(ledger.succeeded()).isEqualTo(1);
        assertThat(ledger.failed()).isEqualTo(2);
        assertThat(ledger.accepted()).as("cat's RCPT TO was accepted").isEqualTo(2);
        assertThat(ledger.results().get(1)).isEqualTo(new LedgerView.MessageView("ben@example.com", "FAILED",
                new LedgerView.ErrorView("RCPT TO:<ben@example.com>", 550, "5.1.1", "No such user")));
        LedgerView.MessageView cat = ledger.results().get(2);
        assertThat(cat.status()).isEqualTo("FAILED");
        assertThat(cat.error().command()).as("the content's reply: a LAST chunk, as CHUNKING is offered").startsWith("BDAT ")
                .endsWith(" LAST");
        assertThat(cat.error().code()).isEqualTo(554);
        assertThat(smtp.messages()).extracting(ReceivedMessage::recipients).containsExactly(List.of("ann@example.com"));
    }

    @Test
    void newsletterWithoutRecipientsIsABadRequest() {
        client.post().uri("/newsletter").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("subject", "nobody", "recipients", List.of()))
                .exchange()
                .expectStatus().isBadRequest();
        assertThat(smtp.messages()).isEmpty();
    }

    @Test
    void newsletterWithAnAddressThatDoesNotParseIsABadRequestAndNothingIsSent() {
        client.post().uri("/newsletter").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("subject", "bad", "recipients", List.of("ok@example.com", "not an address")))
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody(String.class).value(body -> assertThat(body).contains("recipients[1]"));
        assertThat(smtp.messages()).isEmpty();
    }

    private LedgerView post(Map<String, Object> body) {
        LedgerView ledger = client.post().uri("/newsletter").contentType(MediaType.APPLICATION_JSON).body(body)
                .exchange()
                .expectStatus().isOk()
                .expectBody(LedgerView.class).returnResult().getResponseBody();
        assertThat(ledger).isNotNull();
        return ledger;
    }
}
