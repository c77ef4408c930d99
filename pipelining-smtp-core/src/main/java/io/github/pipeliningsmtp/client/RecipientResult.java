package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.util.Objects;
import java.util.Optional;

/**
 * The ledger entry of one recipient: its status, the reply its RCPT TO got, and the error that
 * decided a FAILED or UNKNOWN status. Immutable; the ledger replaces it on every transition.
 */
public final class RecipientResult {

    private final String address;
    private final RecipientStatus status;
    private final SmtpReply rcptReply;
    private final SmtpError error;
    private final int attempts;

    RecipientResult(String address, RecipientStatus status, SmtpReply rcptReply, SmtpError error) {
        this(address, status, rcptReply, error, 1);
    }

    private RecipientResult(String address, RecipientStatus status, SmtpReply rcptReply, SmtpError error,
                            int attempts) {
        this.address = Objects.requireNonNull(address);
        this.status = Objects.requireNonNull(status);
        this.rcptReply = rcptReply;
        this.error = error;
        this.attempts = attempts;
    }

    /** The envelope address (RCPT TO). */
    public String address() {
        return address;
    }

    /** The status. */
    public RecipientStatus status() {
        return status;
    }

    /** True if RCPT TO got a 2yz reply (counted in the "accepted" ledger), whatever happened next. */
    public boolean wasAccepted() {
        return rcptReply != null && rcptReply.isPositiveCompletion();
    }

    /** The reply to this recipient's RCPT TO, when one came. */
    public Optional<SmtpReply> rcptReply() {
        return Optional.ofNullable(rcptReply);
    }

    /** The error behind a FAILED or UNKNOWN status. */
    public Optional<SmtpError> error() {
        return Optional.ofNullable(error);
    }

    /**
     * How many times automatic retry sent this recipient, in a transaction of its own each time: 1
     * unless it was retried; the status, reply and error are those of the last attempt.
     */
    public int attempts() {
        return attempts;
    }

    /** This result, counted as the last of {@code attempts} attempts. */
    RecipientResult withAttempts(int attempts) {
        return new RecipientResult(address, status, rcptReply, error, attempts);
    }

    /**
     * True when RCPT TO was refused as one recipient too many for this transaction: 452 (RFC 5321
     * §4.5.3.1.10, enhanced code 4.5.3 or none) or the older 552 5.5.3. The recipient may be sent
     * in another transaction.
     */
    public boolean refusedAsTooMany() {
        if (status != RecipientStatus.FAILED || rcptReply == null) {
            return false;
        }
        String enhanced = rcptReply.enhancedStatusCode().orElse("");
        return (rcptReply.code() == 452 && (enhanced.isEmpty() || enhanced.equals("4.5.3")))
                || (rcptReply.code() == 552 && enhanced.equals("5.5.3"));
    }

    RecipientResult accepted(SmtpReply reply) {
        require(status == RecipientStatus.PENDING, RecipientStatus.ACCEPTED);
        return new RecipientResult(address, RecipientStatus.ACCEPTED, reply, null);
    }

    RecipientResult succeeded() {
        require(status == RecipientStatus.ACCEPTED, RecipientStatus.SUCCEEDED);
        return new RecipientResult(address, RecipientStatus.SUCCEEDED, rcptReply, null);
    }

    RecipientResult failed(SmtpReply reply, SmtpError cause) {
        require(!status.isFinal(), RecipientStatus.FAILED);
        return new RecipientResult(address, RecipientStatus.FAILED, reply != null ? reply : rcptReply, cause);
    }

    /**
     * UNKNOWN from ACCEPTED (no reply to the end of data), or from PENDING when the content was
     * streamed (BDAT) before the RCPT reply came and the connection ended.
     */
    RecipientResult unknown(SmtpError cause) {
        require(status == RecipientStatus.ACCEPTED || status == RecipientStatus.PENDING, RecipientStatus.UNKNOWN);
        return new RecipientResult(address, RecipientStatus.UNKNOWN, rcptReply, cause);
    }

    private void require(boolean ok, RecipientStatus to) {
        if (!ok) {
            throw new IllegalStateException("recipient " + address + ": " + status + " -> " + to);
        }
    }

    @Override
    public String toString() {
        return address + " " + status + (error != null ? " " + error : "") + (attempts > 1 ? " attempts=" + attempts : "");
    }
}
