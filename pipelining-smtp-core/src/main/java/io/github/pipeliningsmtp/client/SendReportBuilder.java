package io.github.pipeliningsmtp.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link SendReport} as a batch would have returned it, from ledgers (see
 * {@link MessageLedger#builder(Envelope)}) and messages that could not be sent at all, so that an
 * application can unit-test its handling of a batch's outcome. The totals are computed from the
 * ledgers as for a real batch.
 *
 * <pre>{@code
 * SendReport report = SendReport.builder()
 *         .add(welcomeAnn, MessageLedger.builder(Envelope.of("me@example.com", "ann@example.com"))
 *                 .succeeded("ann@example.com").build())
 *         .notSent(broken, new IllegalArgumentException("no recipient"))
 *         .roundTrips(3)
 *         .build();
 * }</pre>
 *
 * <p>Not thread-safe.
 */
public final class SendReportBuilder {

    private final List<SendReport.Entry> entries = new ArrayList<>();
    private long roundTrips;

    SendReportBuilder() {
    }

    /** A message with its ledger; its original (as {@link SendReport.Entry#original()} returns it) is the ledger's envelope. */
    public SendReportBuilder add(MessageLedger ledger) {
        return add(Objects.requireNonNull(ledger, "ledger").envelope(), ledger);
    }

    /** A message with its ledger and the caller's original message (a {@code MimeMessage}, for example). */
    public SendReportBuilder add(Object original, MessageLedger ledger) {
        entries.add(new SendReport.Entry(Objects.requireNonNull(original, "original"),
                Objects.requireNonNull(ledger, "ledger"), null));
        return this;
    }

    /** A message that could not be sent at all (it could not be prepared, no connection...): no ledger, this error. */
    public SendReportBuilder notSent(Object original, Exception error) {
        entries.add(new SendReport.Entry(Objects.requireNonNull(original, "original"), null,
                Objects.requireNonNull(error, "error")));
        return this;
    }

    /** The round trips the batch cost (default 0). */
    public SendReportBuilder roundTrips(long roundTrips) {
        if (roundTrips < 0) {
            throw new IllegalArgumentException("roundTrips must be 0 or more, not " + roundTrips);
        }
        this.roundTrips = roundTrips;
        return this;
    }

    /** The report, with the entries in the order added. */
    public SendReport build() {
        return new SendReport(entries, roundTrips);
    }
}
