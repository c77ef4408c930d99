package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What the server said about one message: the result of every recipient, the final reply to the
 * content (which usually carries the queue id), errors of the transaction that are not any one
 * recipient's (kept as secondary details), and whether the end of data may have reached the server.
 *
 * <p>Built by the thread that sends; once a send call has returned it, it no longer changes and may
 * be read from any thread.
 */
public final class MessageLedger {

    private final Envelope envelope;
    private final RecipientResult[] recipients;
    private final List<SmtpError> details = new ArrayList<>();
    private SmtpReply finalReply;
    private volatile boolean contentCommitted;
    private volatile boolean started;

    /**
     * A ledger for a message that never reached a connection: every recipient FAILED with {@code error}.
     */
    public static MessageLedger notSent(Envelope envelope, SmtpError error) {
        MessageLedger ledger = new MessageLedger(envelope);
        ledger.updateAll(RecipientStatus.PENDING, r -> r.failed(null, error));
        return ledger;
    }

    /**
     * A ledger for a message whose outcome cannot be known (the thread sending it failed before its
     * ledger came back): every recipient UNKNOWN with {@code error}. Never resend it automatically.
     */
    public static MessageLedger unknown(Envelope envelope, SmtpError error) {
        MessageLedger ledger = new MessageLedger(envelope);
        ledger.updateAll(RecipientStatus.PENDING, r -> r.unknown(error));
        ledger.markStarted();
        ledger.markContentCommitted();
        return ledger;
    }

    /**
     * The ledger of a message sent in several transactions (split by RCPTMAX, or after "too many
     * recipients"): part {@code k} covers the envelope recipients at {@code indexes.get(k)}; a later
     * part overrides an earlier one for the same recipient. Recipients no part covers stay PENDING.
     */
    public static MessageLedger assemble(Envelope envelope, List<int[]> indexes, List<MessageLedger> parts) {
        MessageLedger ledger = new MessageLedger(envelope);
        for (int k = 0; k < parts.size(); k++) {
            MessageLedger part = parts.get(k);
            int[] map = indexes.get(k);
            for (int j = 0; j < map.length; j++) {
                ledger.recipients[map[j]] = part.recipients[j];
            }
            ledger.details.addAll(part.details);
            if (part.finalReply != null) {
                ledger.finalReply = part.finalReply;
            }
            ledger.contentCommitted |= part.contentCommitted;
            ledger.started |= part.started;
        }
        return ledger;
    }

    /**
     * Builds a ledger as a send would have left it, for an application's tests of its handling of
     * failed recipients: see {@link MessageLedgerBuilder}.
     */
    public static MessageLedgerBuilder builder(Envelope envelope) {
        return new MessageLedgerBuilder(envelope);
    }

    /**
     * The ledger after automatic retry sent again the recipients at {@code indexes} (envelope
     * indexes of {@code previous}) in a new transaction whose ledger is {@code retry}: those take
     * the retry's result, with one attempt more than before; the others stay as they were. The
     * final reply and the flags are those of the parts together ({@link #assemble}).
     */
    public static MessageLedger retried(MessageLedger previous, int[] indexes, MessageLedger retry) {
        int[] all = new int[previous.recipients.length];
        Arrays.setAll(all, k -> k);
        MessageLedger ledger = assemble(previous.envelope, List.of(all, indexes), List.of(previous, retry));
        for (int j = 0; j < indexes.length; j++) {
            int before = previous.recipients[indexes[j]].attempts();
            ledger.recipients[indexes[j]] = retry.recipients[j].withAttempts(before + retry.recipients[j].attempts());
        }
        return ledger;
    }

    /** A ledger with every recipient PENDING. */
    public MessageLedger(Envelope envelope) {
        this.envelope = envelope;
        this.recipients = envelope.recipients().stream()
                .map(a -> new RecipientResult(a, RecipientStatus.PENDING, null, null))
                .toArray(RecipientResult[]::new);
    }

    /** The envelope this ledger is about. */
    public Envelope envelope() {
        return envelope;
    }

    /** One result per envelope recipient, in envelope order. */
    public List<RecipientResult> recipients() {
        return Collections.unmodifiableList(Arrays.asList(recipients.clone()));
    }

    /** Recipients with the given status. */
    public List<RecipientResult> recipients(RecipientStatus status) {
        return Arrays.stream(recipients).filter(r -> r.status() == status).toList();
    }

    /** How many recipients have the given status. */
    public int count(RecipientStatus status) {
        int n = 0;
        for (RecipientResult r : recipients) {
            if (r.status() == status) {
                n++;
            }
        }
        return n;
    }

    /** How many recipients got a 2yz reply to RCPT TO (the "accepted" ledger). */
    public int acceptedCount() {
        int n = 0;
        for (RecipientResult r : recipients) {
            if (r.wasAccepted()) {
                n++;
            }
        }
        return n;
    }

    /** The summary status. */
    public MessageStatus status() {
        int ok = count(RecipientStatus.SUCCEEDED);
        if (ok == recipients.length) {
            return MessageStatus.SUCCEEDED;
        }
        if (ok > 0) {
            return MessageStatus.PARTIAL;
        }
        return count(RecipientStatus.UNKNOWN) > 0 ? MessageStatus.UNKNOWN : MessageStatus.FAILED;
    }

    /** The reply to the end of data, when one came (e.g. {@code 250 2.0.0 Ok: queued as A1}). */
    public Optional<SmtpReply> finalReply() {
        return Optional.ofNullable(finalReply);
    }

    /**
     * Errors of the transaction that did not decide any recipient's status (e.g. the DATA and
     * lone-dot replies when every RCPT TO was refused, a RCPT reply after MAIL FROM had failed).
     */
    public List<SmtpError> details() {
        return List.copyOf(details);
    }

    /**
     * Whether the end of data may have reached the server. When false, nothing of this message can
     * have been delivered, so it is safe to send it again.
     */
    public boolean contentCommitted() {
        // with no recipient accepted nothing can be delivered, even if the content went out (BDAT
        // chunks are streamed before the RCPT replies are read)
        return contentCommitted && acceptedCount() > 0;
    }

    /**
     * Whether MAIL FROM was written for this message. When false, no byte of the transaction left the
     * client, so the message may be sent on another connection without any risk of a second copy.
     */
    public boolean started() {
        return started;
    }

    /** The first error found on a recipient, or the first detail; empty for a message that SUCCEEDED. */
    public Optional<SmtpError> firstError() {
        for (RecipientResult r : recipients) {
            if (r.error().isPresent()) {
                return r.error();
            }
        }
        return details.isEmpty() ? Optional.empty() : Optional.of(details.get(0));
    }

    /** The raw flag: the end of data (or LAST chunk) may have been written, whatever the RCPT replies. */
    boolean contentWritten() {
        return contentCommitted;
    }

    RecipientResult recipient(int index) {
        return recipients[index];
    }

    void update(int index, UnaryOperator<RecipientResult> transition) {
        recipients[index] = transition.apply(recipients[index]);
    }

    /** Applies {@code transition} to every recipient whose status is {@code status}. */
    void updateAll(RecipientStatus status, UnaryOperator<RecipientResult> transition) {
        for (int i = 0; i < recipients.length; i++) {
            if (recipients[i].status() == status) {
                recipients[i] = transition.apply(recipients[i]);
            }
        }
    }

    void addDetail(SmtpError error) {
        details.add(error);
    }

    void finalReply(SmtpReply reply) {
        this.finalReply = reply;
    }

    void markStarted() {
        this.started = true;
    }

    void markContentCommitted() {
        this.contentCommitted = true;
    }

    @Override
    public String toString() {
        return "MessageLedger[" + status() + " " + Arrays.toString(recipients) + "]";
    }
}
