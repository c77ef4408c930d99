package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The BDAT sliding window (issue 14, item 5): the writer may start message m only once the replies
 * of message m - size were read, flushes before it waits, and stops when the flight ends.
 */
class FlightWindowTest {

    private static final class CountingFlushes extends ByteArrayOutputStream {
        final AtomicInteger flushes = new AtomicInteger();

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }
    }

    @Test
    void aStoppedWriterGoesOnOnlyOnceHalfTheWindowIsFree() throws Exception {
        FlightWindow window = new FlightWindow(4);
        for (int m = 0; m < 6; m++) {
            window.messageStartsAt(m);
        }
        CompletableFuture<Void> fifth = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                window.awaitTurn(4, new CountingFlushes());
                fifth.complete(null);
            } catch (IOException e) {
                fifth.completeExceptionally(e);
            }
        });
        writer.start();
        awaitWaiting(writer);
        window.completed();
        awaitWaiting(writer);
        assertThat(fifth).as("one message free of 4").isNotDone();
        window.completed();
        fifth.get(5, TimeUnit.SECONDS);
    }

    /** Window of 2 over messages starting at steps 0, 3, 6 (three steps per message). */
    private static FlightWindow windowOfTwo() {
        FlightWindow window = new FlightWindow(2);
        window.messageStartsAt(0);
        window.messageStartsAt(3);
        window.messageStartsAt(6);
        return window;
    }

    @Test
    void theMessagesInsideTheWindowAreWrittenWithoutWaitingOrFlushing() throws IOException {
        FlightWindow window = windowOfTwo();
        CountingFlushes out = new CountingFlushes();
        for (int step = 0; step < 6; step++) {
            window.awaitTurn(step, out);
        }
        assertThat(out.flushes).hasValue(0);
        assertThat(window.stalls()).isZero();
    }

    @Test
    void theThirdMessageWaitsForTheRepliesOfTheFirstAndFlushesBeforeWaiting() throws Exception {
        // a window of 2 goes on once 1 message is free
        FlightWindow window = windowOfTwo();
        CountingFlushes out = new CountingFlushes();
        CompletableFuture<Void> third = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                window.awaitTurn(6, out);
                third.complete(null);
            } catch (IOException e) {
                third.completeExceptionally(e);
            }
        });
        writer.start();
        awaitWaiting(writer);
        assertThat(third).isNotDone();
        assertThat(out.flushes).hasValue(1);

        window.completed();

        third.get(5, TimeUnit.SECONDS);
        assertThat(window.stalls()).isEqualTo(1);
    }

    @Test
    void aWriterWaitingWhenTheFlightEndsWritesNothingMore() throws Exception {
        FlightWindow window = windowOfTwo();
        CompletableFuture<Void> third = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                window.awaitTurn(6, new CountingFlushes());
                third.complete(null);
            } catch (IOException e) {
                third.completeExceptionally(e);
            }
        });
        writer.start();
        awaitWaiting(writer);

        window.close();

        writer.join(5000);
        assertThat(third).isCompletedExceptionally();
    }

    /** Until the thread is parked in the window's wait (bounded: 5 s). */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (thread.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime()).as("writer parked within 5 s").isLessThan(end);
            Thread.onSpinWait();
        }
    }
}
