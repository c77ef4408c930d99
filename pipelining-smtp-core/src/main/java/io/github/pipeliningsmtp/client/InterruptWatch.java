package io.github.pipeliningsmtp.client;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Makes a thread's interrupt end the blocking socket I/O it does on one connection. A blocking socket
 * read or write ignores {@link Thread#interrupt()}, so while a send (or the session set-up) runs, the
 * shared watchdog timer looks at the owning thread every {@value #PERIOD_MILLIS} ms and, once it is
 * interrupted, aborts the connection: the blocked read or write fails at once, and the ledgers follow
 * the usual rules (UNKNOWN only where the end of data or the LAST chunk may have been written). The
 * interrupt stays set for the caller. {@link #close()} stops the watch.
 */
final class InterruptWatch implements AutoCloseable {

    /** How often the owner is looked at: an interrupt is honoured within this, plus the abort. */
    static final long PERIOD_MILLIS = 50;

    static final String INTERRUPTED = "the sending thread was interrupted";

    private final ScheduledFuture<?> task;

    private InterruptWatch(Wire wire, Thread owner) {
        this.task = WriteWatchdog.TIMER.scheduleWithFixedDelay(() -> {
            if (owner.isInterrupted() && !wire.isClosed()) {
                wire.abort(INTERRUPTED);
            }
        }, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Watches the calling thread's interrupt for I/O on {@code wire}. */
    static InterruptWatch watch(Wire wire) {
        return new InterruptWatch(wire, Thread.currentThread());
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
