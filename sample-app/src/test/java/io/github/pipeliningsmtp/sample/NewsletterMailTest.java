package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.sample.NewsletterController.NewsletterRequest;
import io.github.pipeliningsmtp.test.ReceivedMessage;
import io.github.pipeliningsmtp.test.TestSmtpServer;
import io.github.pipeliningsmtp.test.autoconfigure.AutoConfigureTestSmtpServer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(properties = "sample.batch-size=0")
@AutoConfigureTestSmtpServer   // an SMTP server with PIPELINING and CHUNKING; smtp.pipelining.* point at it
class NewsletterMailTest {

    @Autowired
    NewsletterController newsletter;   // the application's own code

    @Autowired
    TestSmtpServer smtp;               // reset after each test

    @Test
    void aRefusedRecipientIsReportedAndTheOthersGetTheNewsletter() {
        smtp.refuseRecipient("ben@example.com", 550, "5.1.1", "No such user");

        LedgerView ledger = newsletter.send(new NewsletterRequest("News", "Hello.\n",
                List.of("ann@example.com", "ben@example.com", "cat@example.com")));

        assertThat(ledger.succeeded()).isEqualTo(2);
        assertThat(ledger.failed()).isEqualTo(1);
        LedgerView.MessageView ben = ledger.results().get(1);
        assertThat(ben.status()).isEqualTo("FAILED");
        assertThat(ben.error().code()).isEqualTo(550);
        assertThat(ben.error().enhancedCode()).isEqualTo("5.1.1");

        assertThat(smtp.messages()).extracting(ReceivedMessage::recipients)
                .containsExactlyInAnyOrder(List.of("ann@example.com"), List.of("cat@example.com"));
        assertThat(smtp.messages()).allSatisfy(m -> {
            assertThat(m.envelopeSender()).isEqualTo("sample@example.com");
            assertThat(m.subject()).isEqualTo("News");
            assertThat(m.text()).hasValue("Hello.\n");
        });
    }
}
