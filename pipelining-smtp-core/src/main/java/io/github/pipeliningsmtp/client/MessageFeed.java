package io.github.pipeliningsmtp.client;

import java.util.List;

/**
 * More messages for a {@link SmtpConnection#send(List, DeliveryPolicy, MessageFeed) send} in
 * progress, asked for while it runs, so that a message that arrives meanwhile rides in the
 * connection's next flight instead of waiting for the send to end (RFC 2920 §3.1: the next envelope
 * may follow the previous end of data in one group). With DATA the send asks for one message right
 * before it writes the content of its open transaction, and writes that message's MAIL FROM, RCPT TO
 * and DATA behind the content; with BDAT it asks before each flight, for as many as may go in it.
 *
 * <p>Both methods are called on the sending thread only, between flights (never while one is
 * written or read), and must not block: {@link #more} returns what is there now. Messages are
 * numbered in the send's order: first the list it was called with, then every message {@link #more}
 * gave, in order; the send returns one ledger per message in that order.
 */
public interface MessageFeed {

    /** A feed that never has more. */
    MessageFeed NONE = new MessageFeed() {
        @Override
        public List<OutgoingMessage> more(int max) {
            return List.of();
        }

        @Override
        public void answered(int index, MessageLedger ledger) {
        }
    };

    /**
     * Messages to append to the send now, at most {@code max} (at least 1); empty when there are none.
     * Their addresses must have been checked ({@link Envelope#checkAddresses()}): a message whose
     * address cannot be written safely ends FAILED (LOCAL, not sent) instead of throwing.
     */
    List<OutgoingMessage> more(int max);

    /**
     * Message {@code index}'s transaction is over: the reply to its end of data (or its last BDAT
     * chunk) was read, so no later reply changes {@code ledger}, which the send returns as well.
     * Told before the send returns, once that reply was read and the send goes on with more flights;
     * not told for the transactions of the send's last flight, nor for those that end another way
     * (refused before their content, cut off): those are known when the send returns.
     */
    void answered(int index, MessageLedger ledger);
}
