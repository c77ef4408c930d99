package io.github.pipeliningsmtp.delivery;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.protocol.Printable;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a batch logs, under the logger {@code io.github.pipeliningsmtp.delivery.SmtpMailer}:
 * <ul>
 *   <li>WARN, once per batch in which any recipient FAILED or is UNKNOWN: the counts and the first
 *       {@value #REASONS} distinct reasons (step, reply code, enhanced status code and text, or the
 *       local cause; each with how many recipients it hit), server text escaped with
 *       {@link Printable}; the commands' addresses are left out (a server's text may still name one);</li>
 *   <li>DEBUG, once per batch: the summary ({@link SendReport#summary()}) and the time taken.</li>
 * </ul>
 * Messages are built only when the level is on. Stateless and thread-safe.
 */
final class BatchLog {

    /** Distinct reasons a WARN names at most. */
    static final int REASONS = 3;

    static final System.Logger LOG = System.getLogger(SmtpMailer.class.getName());

    private BatchLog() {
    }

    static void completed(SendReport report, Duration elapsed) {
        if ((report.failed() > 0 || report.unknown() > 0) && LOG.isLoggable(Level.WARNING)) {
            LOG.log(Level.WARNING, warning(report));
        }
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "batch sent in " + elapsed.toMillis() + " ms: " + report.summary());
        }
    }

    /** For example {@code batch of 500 messages: 3 recipients failed, 0 unknown, 997 succeeded; reasons: ...}. */
    static String warning(SendReport report) {
        Map<String, Integer> reasons = new LinkedHashMap<>();
        int more = 0;
        for (SendReport.Entry entry : report.entries()) {
            MessageLedger ledger = entry.ledger();
            if (ledger == null) {
                more += countReason(reasons, "not sent: " + entry.error());
                continue;
            }
            for (RecipientResult r : ledger.recipients()) {
                if (r.status() == RecipientStatus.FAILED || r.status() == RecipientStatus.UNKNOWN) {
                    String reason = r.status().name().toLowerCase() + " at " + r.error().map(BatchLog::reason)
                            .orElse("(no reason recorded)");
                    more += countReason(reasons, reason);
                }
            }
        }
        StringBuilder sb = new StringBuilder("batch of ").append(report.messages()).append(" messages: ")
                .append(report.failed()).append(" recipients failed, ").append(report.unknown()).append(" unknown, ")
                .append(report.succeeded()).append(" succeeded; reasons: ");
        boolean first = true;
        for (Map.Entry<String, Integer> e : reasons.entrySet()) {
            sb.append(first ? "" : "; ").append(e.getKey()).append(" (").append(e.getValue())
                    .append(e.getValue() == 1 ? " recipient)" : " recipients)");
            first = false;
        }
        if (more > 0) {
            sb.append("; and ").append(more).append(" more recipients for other reasons");
        }
        return Printable.of(sb);
    }

    /** Adds one recipient to its reason; returns 1 when the reason is past the first few (not named). */
    private static int countReason(Map<String, Integer> reasons, String reason) {
        if (reasons.containsKey(reason) || reasons.size() < REASONS) {
            reasons.merge(reason, 1, Integer::sum);
            return 0;
        }
        return 1;
    }

    /** The step and what was said, without the command's address: {@code RCPT_TO: 550 5.1.1 User unknown}. */
    static String reason(SmtpError error) {
        String said = error.reply().map(reply -> reply.toString())
                .orElse(error.type().name().toLowerCase() + ": " + error.description());
        return error.step() + ": " + Printable.of(said);
    }
}
