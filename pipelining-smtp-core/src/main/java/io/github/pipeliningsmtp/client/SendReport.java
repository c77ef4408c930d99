package io.github.pipeliningsmtp.client;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The ledger of one batch: for every message passed in, in order, its {@link MessageLedger} (or the
 * error that kept it from being sent at all), and the recipient totals. Immutable.
 *
 * <p>Every recipient passed in is counted in exactly one of {@link #succeeded()}, {@link #failed()},
 * {@link #unknown()} (a message that could not be prepared counts its To/Cc/Bcc recipients as
 * failed); {@link #accepted()} counts those whose RCPT TO got 2yz, whatever happened next.
 */
public final class SendReport {

    /**
     * One message of the batch: the caller's original, and its ledger or the error that stopped it.
     *
     * <p>The ledger API returns {@link Optional} wherever a value may be absent
     * ({@link RecipientResult#error()}, {@link MessageLedger#finalReply()}, {@link SmtpError#reply()},
     * ...). This record is the one place with nullable values, because a record's components are
     * plain fields: {@link #ledger()} and {@link #error()} may be null, as documented below, and
     * {@link #ledgerIfAny()} and {@link #errorIfAny()} are the same values as {@code Optional}s.
     *
     * @param original the message as the caller passed it (a {@code MimeMessage}, or what an adapter
     *                 converted into one); never null
     * @param ledger   what the server said about each recipient; null only when the message had no
     *                 envelope at all (it could not be prepared and named no recipient)
     * @param error    why the message was not sent at all (it could not be prepared, or no connection
     *                 could be had before anything of it was written); null otherwise
     */
    public record Entry(Object original, MessageLedger ledger, Exception error) {

        /** The ledger, when the message had an envelope. */
        public Optional<MessageLedger> ledgerIfAny() {
            return Optional.ofNullable(ledger);
        }

        /** Why the message was not sent at all, when that is what happened. */
        public Optional<Exception> errorIfAny() {
            return Optional.ofNullable(error);
        }

        /** Delivered to every recipient. */
        public boolean succeeded() {
            return ledger != null && ledger.status() == MessageStatus.SUCCEEDED;
        }
    }

    private final List<Entry> entries;
    private final long roundTrips;
    private final long accepted;
    private final long succeeded;
    private final long failed;
    private final long unknown;
    private final Duration waited;

    /**
     * @param entries    one per message of the batch, in order
     * @param roundTrips the round trips the batch cost, over every connection it used
     */
    public SendReport(List<Entry> entries, long roundTrips) {
        this(entries, roundTrips, Duration.ZERO);
    }

    /**
     * @param entries    one per message of the batch, in order
     * @param roundTrips the round trips the batch cost, over every connection it used
     * @param waited     how long automatic retry waited between attempts (zero without retry)
     */
    public SendReport(List<Entry> entries, long roundTrips, Duration waited) {
        this.waited = java.util.Objects.requireNonNull(waited);
        this.entries = List.copyOf(entries);
        this.roundTrips = roundTrips;
        long a = 0;
        long s = 0;
        long f = 0;
        long u = 0;
        for (Entry e : this.entries) {
            if (e.ledger() == null) {
                continue;
            }
            for (RecipientResult r : e.ledger().recipients()) {
                a += r.wasAccepted() ? 1 : 0;
                s += r.status() == RecipientStatus.SUCCEEDED ? 1 : 0;
                f += r.status() == RecipientStatus.FAILED ? 1 : 0;
                u += r.status() == RecipientStatus.UNKNOWN ? 1 : 0;
            }
        }
        this.accepted = a;
        this.succeeded = s;
        this.failed = f;
        this.unknown = u;
    }

    /**
     * Builds a report as a batch would have returned it, for an application's tests: see
     * {@link SendReportBuilder}.
     */
    public static SendReportBuilder builder() {
        return new SendReportBuilder();
    }

    /**
     * A report of these ledgers, in order, each entry's original being its ledger's envelope, with 0
     * round trips (see {@link SendReportBuilder} for more).
     */
    public static SendReport of(MessageLedger... ledgers) {
        SendReportBuilder builder = builder();
        for (MessageLedger ledger : ledgers) {
            builder.add(ledger);
        }
        return builder.build();
    }

    /** One entry per message passed in, in order. */
    public List<Entry> entries() {
        return entries;
    }

    /** How many messages were passed in. */
    public int messages() {
        return entries.size();
    }

    /** Recipients whose RCPT TO got 2yz. */
    public long accepted() {
        return accepted;
    }

    /** Recipients the server took responsibility for. */
    public long succeeded() {
        return succeeded;
    }

    /** Recipients refused or not sent. */
    public long failed() {
        return failed;
    }

    /** Recipients whose outcome cannot be known (connection lost after the end of data). */
    public long unknown() {
        return unknown;
    }

    /** Round trips spent on the batch, over every connection (set-up of new connections excluded). */
    public long roundTrips() {
        return roundTrips;
    }

    /** How long automatic retry waited (backed off) between attempts; zero when nothing was retried. */
    public Duration waited() {
        return waited;
    }

    /** True when every message was delivered to every recipient. */
    public boolean allSucceeded() {
        return entries.stream().allMatch(Entry::succeeded);
    }

    /** {@code messages=M accepted=A succeeded=S failed=F unknown=U round-trips=R}. */
    public String summary() {
        return "messages=" + messages() + " accepted=" + accepted + " succeeded=" + succeeded + " failed=" + failed
                + " unknown=" + unknown + " round-trips=" + roundTrips;
    }

    @Override
    public String toString() {
        return "SendReport[" + summary() + "]";
    }
}
