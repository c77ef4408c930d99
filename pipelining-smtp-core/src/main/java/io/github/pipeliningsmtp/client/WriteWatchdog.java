package io.github.pipeliningsmtp.client;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds a write done on the caller's thread: every {@code stall} it checks that octets went out
 * since its last look, and aborts the connection if none did (a blocking socket write has no
 * timeout of its own). One shared daemon timer thread; {@link #close()} stops the watch.
 */
final class WriteWatchdog implements AutoCloseable {

    static final ScheduledThreadPoolExecutor TIMER = timer();

    private final AtomicBoolean fired = new AtomicBoolean();
    private final AtomicBoolean deadlinePassed = new AtomicBoolean();
    private final ScheduledFuture<?> task;
    private final ScheduledFuture<?> deadline;

    private WriteWatchdog(Wire wire, long stallMillis, long deadlineMillis) {
        this.deadline = deadlineMillis <= 0 ? null : TIMER.schedule(() -> {
            if (fired.compareAndSet(false, true)) {
                deadlinePassed.set(true);
                wire.reset();
            }
        }, deadlineMillis, TimeUnit.MILLISECONDS);
        long[] last = {wire.octetsWritten()};
        this.task = TIMER.scheduleWithFixedDelay(() -> {
            long now = wire.octetsWritten();
            if (now == last[0] && fired.compareAndSet(false, true)) {
                wire.abort();
            }
            last[0] = now;
        }, stallMillis, stallMillis, TimeUnit.MILLISECONDS);
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "smtp-pipelining-write-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Starts watching writes on {@code wire}. */
    static WriteWatchdog watch(Wire wire, long stallMillis) {
        return new WriteWatchdog(wire, stallMillis, 0);
    }

    /**
     * Starts watching writes on {@code wire}, and aborts it also when the writes are not done
     * {@code deadlineMillis} after now, however steadily they progress (a slow but moving write).
     */
    static WriteWatchdog watch(Wire wire, long stallMillis, long deadlineMillis) {
        return new WriteWatchdog(wire, stallMillis, deadlineMillis);
    }

    /** Whether it aborted the connection because the deadline passed (not for a stall). */
    boolean deadlinePassed() {
        return deadlinePassed.get();
    }

    /** Whether it aborted the connection. */
    boolean fired() {
        return fired.get();
    }

    @Override
    public void close() {
        task.cancel(false);
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
