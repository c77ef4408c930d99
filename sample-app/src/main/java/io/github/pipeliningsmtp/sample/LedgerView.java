package io.github.pipeliningsmtp.sample;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.client.SendReport;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledger of a batch as JSON: the recipient totals of {@link SendReport} and, per message in the
 * order sent, its recipient, its status ({@code SUCCEEDED}, {@code FAILED}, {@code UNKNOWN}; for a
 * message of several recipients also {@code PARTIAL}) and, when it did not succeed, the error that
 * decided it: the command, the reply code and enhanced status code when the server answered, and
 * the reply text (or the local/connection error's description).
 */
public record LedgerView(int messages, long accepted, long succeeded, long failed, long unknown, long roundTrips,
                         List<MessageView> results) {

    /** One message of the batch. */
    public record MessageView(String recipient, String status, ErrorView error) {
    }

    /** Why a message did not succeed. {@code code} and {@code enhancedCode} are null when the server did not answer. */
    public record ErrorView(String command, Integer code, String enhancedCode, String text) {

        static ErrorView of(SmtpError error) {
            return new ErrorView(error.command(), error.reply().map(SmtpReply::code).orElse(null),
                    error.enhancedStatusCode().orElse(null),
                    error.reply().map(SmtpReply::text).orElse(error.description()));
        }

        static ErrorView of(Exception error) {
            return new ErrorView(null, null, null, error.getMessage());
        }
    }

    /** The view of {@code report}, whose i-th message went to {@code recipients.get(i)}. */
    public static LedgerView of(SendReport report, List<String> recipients) {
        List<MessageView> results = new ArrayList<>(report.messages());
        for (int i = 0; i < report.messages(); i++) {
            SendReport.Entry entry = report.entries().get(i);
            MessageLedger ledger = entry.ledger();
            String status = ledger != null ? ledger.status().name() : "FAILED";
            ErrorView error = null;
            if (ledger != null && ledger.firstError().isPresent()) {
                error = ErrorView.of(ledger.firstError().get());
            } else if (entry.error() != null) {
                error = ErrorView.of(entry.error());
            }
            results.add(new MessageView(recipients.get(i), status, error));
        }
        return new LedgerView(report.messages(), report.accepted(), report.succeeded(), report.failed(),
                report.unknown(), report.roundTrips(), List.copyOf(results));
    }
}
