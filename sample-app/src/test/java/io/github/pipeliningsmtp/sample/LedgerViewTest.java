package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.SendReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerViewTest {

    @Test
    void aRefusedRecipientShowsTheReplyThatRefusedIt() {
        SendReport report = SendReport.of(
                MessageLedger.builder(Envelope.of("news@example.com", "ann@example.com"))
                        .succeeded("ann@example.com").build(),
                MessageLedger.builder(Envelope.of("news@example.com", "ben@example.com"))
                        .refused("ben@example.com", 550, "5.1.1", "No such user").build());

        LedgerView view = LedgerView.of(report, List.of("ann@example.com", "ben@example.com"));

        assertThat(view.succeeded()).isEqualTo(1);
        assertThat(view.failed()).isEqualTo(1);
        assertThat(view.results().get(0).status()).isEqualTo("SUCCEEDED");
        assertThat(view.results().get(1)).isEqualTo(new LedgerView.MessageView("ben@example.com", "FAILED",
                new LedgerView.ErrorView("RCPT TO:<ben@example.com>", 550, "5.1.1", "No such user")));
    }

    @Test
    void aMessageThatCouldNotBeSentShowsWhy() {
        SendReport report = SendReport.builder()
                .notSent("the message", new IllegalStateException("no SMTP connection within 30000 ms"))
                .build();

        LedgerView view = LedgerView.of(report, List.of("ann@example.com"));

        assertThat(view.results()).containsExactly(new LedgerView.MessageView("ann@example.com", "FAILED",
                new LedgerView.ErrorView(null, null, null, "no SMTP connection within 30000 ms")));
    }
}
