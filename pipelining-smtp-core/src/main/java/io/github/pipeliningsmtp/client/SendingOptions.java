package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.pacing.SendRateLimit;
import java.util.Objects;

/**
 * How a connection sends, as opposed to how it connects ({@link ConnectionSettings}): whether it
 * pipelines (RFC 2920) and uses BDAT (RFC 3030) when the server offers them, the BDAT chunk size
 * and how many messages one BDAT flight holds, the most recipients one transaction may carry, and the
 * send rate limit every transaction draws on before its MAIL FROM (shared by every connection of a
 * sender). Immutable and thread-safe; build with
 * {@link #builder()}. The defaults are the constants below, written here only.
 */
public final class SendingOptions {

    /** Default octets per BDAT chunk: 128 KiB. */
    public static final int DEFAULT_CHUNK_SIZE = 128 * 1024;
    /** Largest BDAT chunk: 64 MiB. */
    public static final int MAX_CHUNK_SIZE = 64 * 1024 * 1024;
    /** Default messages written in one BDAT flight before their replies are read. */
    public static final int DEFAULT_MAX_MESSAGES_IN_FLIGHT = 50;
    /** Default most recipients per transaction: no limit of the client's own (only the server's RCPTMAX). */
    public static final int NO_RECIPIENT_LIMIT = Integer.MAX_VALUE;

    /** Everything at its default: pipelining and chunking when offered, 128 KiB chunks, 50 messages per flight. */
    public static final SendingOptions DEFAULTS = builder().build();

    private final boolean pipelining;
    private final boolean chunking;
    private final int chunkSize;
    private final int maxMessagesInFlight;
    private final int maxRecipientsPerTransaction;
    private final SendRateLimit rateLimit;

    private SendingOptions(Builder b) {
        this.pipelining = b.pipelining;
        this.chunking = b.chunking;
        this.chunkSize = b.chunkSize;
        this.maxMessagesInFlight = b.maxMessagesInFlight;
        this.maxRecipientsPerTransaction = b.maxRecipientsPerTransaction;
        this.rateLimit = b.rateLimit;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether to pipeline when the server advertises PIPELINING (default true). */
    public boolean pipelining() {
        return pipelining;
    }

    /** Whether to send BDAT chunks when the server advertises CHUNKING and PIPELINING (default true). */
    public boolean chunking() {
        return chunking;
    }

    /** Octets per BDAT chunk; also the memory each message's content needs while it is sent. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Messages written in one BDAT flight before their replies are read: what one broken connection may leave UNKNOWN. */
    public int maxMessagesInFlight() {
        return maxMessagesInFlight;
    }

    /**
     * Most RCPT TO one transaction carries, the client's own limit (Postfix's
     * {@code smtp_destination_recipient_limit}); {@link #NO_RECIPIENT_LIMIT} (the default) for none.
     * A connection uses the smaller of this and the server's trusted RCPTMAX (RFC 9422 §4.2), see
     * {@link SmtpConnection#rcptMax()}; the delivery layer sends a message with more recipients in
     * several transactions of at most that many, except content that cannot be written twice and
     * all-or-nothing messages, which stay one transaction. {@link SmtpConnection#send} itself writes
     * every RCPT TO it is given.
     */
    public int maxRecipientsPerTransaction() {
        return maxRecipientsPerTransaction;
    }

    /**
     * The budget each transaction takes before its MAIL FROM is written; {@link SendRateLimit#NONE}
     * (the default) for none. One object shared by every connection, so the rate is the sender's.
     */
    public SendRateLimit rateLimit() {
        return rateLimit;
    }

    public Builder toBuilder() {
        return new Builder().pipelining(pipelining).chunking(chunking).chunkSize(chunkSize)
                .maxMessagesInFlight(maxMessagesInFlight).maxRecipientsPerTransaction(maxRecipientsPerTransaction)
                .rateLimit(rateLimit);
    }

    @Override
    public String toString() {
        return "SendingOptions[pipelining=" + pipelining + ", chunking=" + chunking + ", chunkSize=" + chunkSize
                + ", maxMessagesInFlight=" + maxMessagesInFlight + ", maxRecipientsPerTransaction="
                + (maxRecipientsPerTransaction == NO_RECIPIENT_LIMIT ? "none" : maxRecipientsPerTransaction)
                + ", rateLimit=" + rateLimit + "]";
    }

    /** Builds {@link SendingOptions}; not thread-safe. */
    public static final class Builder {
        private boolean pipelining = true;
        private boolean chunking = true;
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private int maxMessagesInFlight = DEFAULT_MAX_MESSAGES_IN_FLIGHT;
        private int maxRecipientsPerTransaction = NO_RECIPIENT_LIMIT;
        private SendRateLimit rateLimit = SendRateLimit.NONE;

        private Builder() {
        }

        /** False: one command at a time even when the server advertises PIPELINING. */
        public Builder pipelining(boolean pipelining) {
            this.pipelining = pipelining;
            return this;
        }

        /** False: DATA even when the server advertises CHUNKING. */
        public Builder chunking(boolean chunking) {
            this.chunking = chunking;
            return this;
        }

        /**
         * Octets per BDAT chunk, 1 to 64 MiB; default 128 KiB.
         *
         * @throws IllegalArgumentException outside that range
         */
        public Builder chunkSize(int octets) {
            if (octets < 1 || octets > MAX_CHUNK_SIZE) {
                throw new IllegalArgumentException("chunkSize must be 1 to " + MAX_CHUNK_SIZE + " octets, was " + octets);
            }
            this.chunkSize = octets;
            return this;
        }

        /**
         * Messages per BDAT flight, at least 1; default 50.
         *
         * @throws IllegalArgumentException below 1
         */
        public Builder maxMessagesInFlight(int messages) {
            if (messages < 1) {
                throw new IllegalArgumentException("maxMessagesInFlight must be at least 1, was " + messages);
            }
            this.maxMessagesInFlight = messages;
            return this;
        }

        /**
         * Most recipients per transaction, at least 1; default {@link #NO_RECIPIENT_LIMIT}. See
         * {@link SendingOptions#maxRecipientsPerTransaction()}.
         *
         * @throws IllegalArgumentException below 1
         */
        public Builder maxRecipientsPerTransaction(int recipients) {
            if (recipients < 1) {
                throw new IllegalArgumentException("maxRecipientsPerTransaction must be at least 1, was " + recipients);
            }
            this.maxRecipientsPerTransaction = recipients;
            return this;
        }

        /** The send rate limit; default {@link SendRateLimit#NONE}. */
        public Builder rateLimit(SendRateLimit rateLimit) {
            this.rateLimit = Objects.requireNonNull(rateLimit, "rateLimit");
            return this;
        }

        public SendingOptions build() {
            return new SendingOptions(this);
        }
    }
}
