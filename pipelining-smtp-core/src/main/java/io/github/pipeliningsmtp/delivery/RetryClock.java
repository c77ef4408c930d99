package io.github.pipeliningsmtp.delivery;

import java.time.Duration;

/**
 * The time source and the wait of automatic retry: {@link #SYSTEM} in production; a test or a
 * simulation may give one whose time it controls.
 */
public interface RetryClock {

    /** {@link System#nanoTime()} and {@link java.util.concurrent.TimeUnit#sleep(long)}. */
    RetryClock SYSTEM = new RetryClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        }
    };

    /** Monotonic time in nanoseconds (any origin). */
    long nanoTime();

    /**
     * Waits {@code duration}.
     *
     * @throws InterruptedException when the thread is interrupted meanwhile
     */
    void sleep(Duration duration) throws InterruptedException;
}
