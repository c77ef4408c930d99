package io.github.pipeliningsmtp.delivery;

/**
 * Told how a batch is getting on (issue 15): after every share of the batch that a connection
 * finished (at most {@value BatchDelivery#PROGRESS_SHARE} messages each when a listener is given), and
 * once at the end, with the messages done and the recipient outcomes so far.
 *
 * <p>Threading: called on the threads that send the batch (the calling thread, a helper thread of
 * the batch, or a lane thread of the dispatcher for small batches), one call at a time and in order
 * ({@link SendProgress#messagesDone()} never decreases; the last call has it equal to the total). It
 * should return quickly: the share's connection waits for it. A {@link RuntimeException} it throws
 * is logged and ignored; the batch goes on and its report is unchanged.
 */
@FunctionalInterface
public interface ProgressListener {

    /** No progress reports. */
    ProgressListener NONE = progress -> { };

    /** @param progress the batch so far */
    void progressed(SendProgress progress);
}
