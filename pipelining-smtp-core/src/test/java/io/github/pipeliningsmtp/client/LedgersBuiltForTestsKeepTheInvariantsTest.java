package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * {@link MessageLedgerBuilder} and {@link SendReportBuilder}: the ledgers and reports an application
 * builds for its tests say what a send's would (statuses, accepted, started, committed, totals), and
 * a ledger with a recipient left without a final status cannot be built.
 */
class LedgersBuiltForTestsKeepTheInvariantsTest {

    private static final Envelope THREE = Envelope.of("news@example.com", "ann@example.com", "ben@example.com",
            "cat@example.com");

    @Test
    void aPartialLedgerHasTheStatusesRepliesAndFlagsOfARealOne() {
        MessageLedger ledger = MessageLedger.builder(THREE)
                .succeeded("ann@example.com")
                .refused("ben@example.com", 550, "5.1.1", "No such user")
                .failed("cat@example.com", SmtpError.ofReply(SmtpStep.RCPT_TO, null, SmtpReply.of(452, "4.2.2 Mailbox full")))
                .build();
        assertThat(ledger.status()).isEqualTo(MessageStatus.PARTIAL);
        assertThat(ledger.acceptedCount()).isEqualTo(1);
        assertThat(ledger.started()).isTrue();
        assertThat(ledger.contentCommitted()).isTrue();
        assertThat(ledger.finalReply()).hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(250));
        RecipientResult ben = ledger.recipients().get(1);
        assertThat(ben.status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(ben.wasAccepted()).isFalse();
        assertThat(ben.rcptReply()).hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(550));
        SmtpError error = ben.error().orElseThrow();
        assertThat(error.step()).isEqualTo(SmtpStep.RCPT_TO);
        assertThat(error.command()).isEqualTo("RCPT TO:<ben@example.com>");
        assertThat(error.enhancedStatusCode()).hasValue("5.1.1");
        assertThat(error.type()).isEqualTo(FailureType.PERMANENT);
        assertThat(ledger.recipients().get(2).error().orElseThrow().type()).isEqualTo(FailureType.TRANSIENT);
        assertThat(ledger.firstError()).hasValue(error);
    }

    @Test
    void aRefusedEndOfDataFailsAcceptedRecipientsWithTheContentCommitted() {
        SmtpError spam = SmtpError.ofReply(SmtpStep.END_OF_DATA, null, SmtpReply.of(554, "5.7.1 Spam"));
        MessageLedger ledger = MessageLedger.builder(Envelope.of("a@example.com", "b@example.com"))
                .failed("b@example.com", spam).build();
        assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(ledger.acceptedCount()).isEqualTo(1);
        assertThat(ledger.contentCommitted()).isTrue();
        assertThat(ledger.finalReply()).isEmpty();
    }

    @Test
    void aLocalFailureBeforeMailFromLeavesTheLedgerNotStarted() {
        MessageLedger ledger = MessageLedger.builder(Envelope.of("a@example.com", "b@example.com"))
                .failed("b@example.com", SmtpError.local(SmtpStep.MAIL_FROM, "over the SIZE limit", null)).build();
        assertThat(ledger.started()).isFalse();
        assertThat(ledger.contentCommitted()).isFalse();
        assertThat(ledger.acceptedCount()).isZero();
    }

    @Test
    void anUnknownRecipientWasAcceptedAndMayHaveBeenDelivered() {
        SmtpError broke = SmtpError.ofConnection(SmtpStep.END_OF_DATA, null, new IOException("Connection reset"));
        MessageLedger ledger = MessageLedger.builder(Envelope.of("a@example.com", "b@example.com"))
                .unknown("b@example.com", broke).build();
        assertThat(ledger.status()).isEqualTo(MessageStatus.UNKNOWN);
        assertThat(ledger.recipients().get(0).wasAccepted()).isTrue();
        assertThat(ledger.contentCommitted()).isTrue();
    }

    @Test
    void duplicatedAddressesAreGivenAStatusEachInTurn() {
        MessageLedger ledger = MessageLedger.builder(Envelope.of("a@example.com", "b@example.com", "b@example.com"))
                .succeeded("b@example.com").refused("b@example.com", 452, null, "Too many").build();
        assertThat(ledger.recipients()).extracting(RecipientResult::status)
                .containsExactly(RecipientStatus.SUCCEEDED, RecipientStatus.FAILED);
    }

    @Test
    void everyRecipientMustEndWithAFinalStatus() {
        MessageLedgerBuilder builder = MessageLedger.builder(THREE).succeeded("ann@example.com");
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("[ben@example.com, cat@example.com]");
        assertThatThrownBy(() -> builder.succeeded("ann@example.com")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ann@example.com is not a recipient");
        assertThatThrownBy(() -> builder.succeeded("zed@example.com")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.refused("ben@example.com", 250, null, "Ok"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReportBuiltFromLedgersCountsEveryRecipientOnce() {
        MessageLedger partial = MessageLedger.builder(THREE).succeeded("ann@example.com", "cat@example.com")
                .refused("ben@example.com", 550, "5.1.1", "No such user").build();
        MessageLedger unknown = MessageLedger.builder(Envelope.of("news@example.com", "dan@example.com"))
                .unknown("dan@example.com", SmtpError.ofConnection(SmtpStep.END_OF_DATA, null, new IOException("EOF")))
                .build();
        Object broken = new Object();
        SendReport report = SendReport.builder().add(partial).add("the original", unknown)
                .notSent(broken, new IllegalArgumentException("no recipient")).roundTrips(4).build();
        assertThat(report.summary()).isEqualTo("messages=3 accepted=3 succeeded=2 failed=1 unknown=1 round-trips=4");
        assertThat(report.entries().get(0).original()).isEqualTo(THREE);
        assertThat(report.entries().get(1).original()).isEqualTo("the original");
        assertThat(report.entries().get(2).ledger()).isNull();
        assertThat(report.entries().get(2).original()).isSameAs(broken);
        assertThat(report.allSucceeded()).isFalse();

        SendReport ok = SendReport.of(MessageLedger.builder(Envelope.of("a@example.com", "b@example.com"))
                .succeeded("b@example.com").build());
        assertThat(ok.allSucceeded()).isTrue();
        assertThat(ok.summary()).isEqualTo("messages=1 accepted=1 succeeded=1 failed=0 unknown=0 round-trips=0");
    }
}
