package io.github.pipeliningsmtp.delivery;

/**
 * How far a batch has got: messages whose ledgers are complete, out of the batch's total, and the
 * recipients of those messages by outcome (RFC 5321 replies as in the ledger: SUCCEEDED, FAILED,
 * UNKNOWN). A message not yet done counts in none of the recipient totals.
 *
 * @param messagesDone  messages whose every recipient has its outcome
 * @param messagesTotal messages in the batch
 * @param succeeded     recipients SUCCEEDED so far
 * @param failed        recipients FAILED so far
 * @param unknown       recipients UNKNOWN so far
 */
public record SendProgress(int messagesDone, int messagesTotal, long succeeded, long failed, long unknown) {

    /** Whether every message is done. */
    public boolean complete() {
        return messagesDone == messagesTotal;
    }

    @Override
    public String toString() {
        return messagesDone + "/" + messagesTotal + " messages (recipients succeeded=" + succeeded + " failed=" + failed
                + " unknown=" + unknown + ")";
    }
}
