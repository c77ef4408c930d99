package io.github.pipeliningsmtp.client;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where one {@link Transaction} stands, as far as the replies read so far tell. A single field of
 * this type, moved only by the transaction's guarded {@code move}, decides what each reply means.
 */
enum TransactionPhase {
    /** Commands built; no reply read yet. */
    PREPARED,
    /** Refused by this client before anything was written (final). */
    NOT_SENDABLE,
    /** MAIL FROM got 2yz: RCPT replies are being read. */
    ENVELOPE,
    /** MAIL FROM refused: the transaction failed; later replies are details. */
    MAIL_REFUSED,
    /** DATA refused (final). */
    DATA_REFUSED,
    /** DATA got 354: the content (or a lone dot) must follow. */
    SENDING_CONTENT,
    /** All-or-nothing gave up because a recipient was refused (final). */
    ABANDONED,
    /** The content got a 2yz: accepted recipients SUCCEEDED (final; the server is reset). */
    DELIVERED,
    /** The end of data or a BDAT chunk was refused (final). */
    CONTENT_REFUSED,
    /** The lone dot after a 354 with no recipient accepted was answered (final). */
    EMPTY_ENDED,
    /** A reply contradicted the client's model of the server (final; the connection is retired). */
    OUT_OF_STEP,
    /** The connection ended before the transaction's outcome (final). */
    CUT_OFF;

    private static final Set<TransactionPhase> FINAL = EnumSet.of(NOT_SENDABLE, DATA_REFUSED, ABANDONED, DELIVERED,
            CONTENT_REFUSED, EMPTY_ENDED, OUT_OF_STEP, CUT_OFF);
    /** Phases in which the server has refused the transaction itself: nothing of it can be delivered. */
    private static final Set<TransactionPhase> REFUSED = EnumSet.of(MAIL_REFUSED, DATA_REFUSED, CONTENT_REFUSED,
            ABANDONED, NOT_SENDABLE);

    /** True for the phases after which no reply changes the transaction. */
    boolean isFinal() {
        return FINAL.contains(this);
    }

    /** True when the server refused the transaction itself: nothing of it can be delivered. */
    boolean refusedByServer() {
        return REFUSED.contains(this);
    }
}
