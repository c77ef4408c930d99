package io.github.pipeliningsmtp.client;

import java.util.List;

/**
 * Where a {@link TransactionRunner} gets more transactions while its run is in progress, and whom it
 * tells when one is answered (see {@link MessageFeed}, which {@link SmtpConnection} adapts to this).
 * Called on the running thread between flights; never blocks.
 */
interface TransactionSource {

    /** A source that never has more. */
    TransactionSource NONE = new TransactionSource() {
        @Override
        public List<Transaction> more(int max) {
            return List.of();
        }

        @Override
        public void answered(Transaction tx) {
        }
    };

    /** Transactions to append to the run now, at most {@code max}; empty when there are none. */
    List<Transaction> more(int max);

    /** The reply to {@code tx}'s end of data (or last BDAT chunk) was read: its ledger is final. */
    void answered(Transaction tx);
}
