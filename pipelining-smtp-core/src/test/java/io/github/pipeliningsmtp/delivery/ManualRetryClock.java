package io.github.pipeliningsmtp.delivery;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A retry clock whose time moves only when retry waits: a back-off passes at once. Thread-safe. */
final class ManualRetryClock implements RetryClock {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public void sleep(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
