package io.github.pipeliningsmtp.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Writes chunks to one side of a relayed connection, each one a fixed delay after it was handed
 * over, in order. With zero delay the chunk is written by the caller's thread at once; otherwise a
 * daemon thread drains a queue of (due time, chunk) entries, so a chunk is never delayed by more
 * than the delay plus the time to write earlier chunks.
 */
final class ChunkForwarder {

    /** Told right before each chunk is written, and when forwarding ends. */
    interface Listener {
        /** Called before the write, so that anything the peer does in reaction happens after it. */
        void writing(byte[] chunk);

        /** Called once when forwarding ends: after the half-close, or on a write failure. */
        void finished(boolean failed);
    }

    private record Entry(long dueNanos, byte[] chunk) {
    }

    private static final byte[] END = new byte[0];

    private final OutputStream out;
    private final long delayNanos;
    private final Listener listener;
    private final Runnable shutdownOutput;
    private final BlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private final Thread thread;

    ChunkForwarder(String name, OutputStream out, long delayNanos, Runnable shutdownOutput, Listener listener) {
        this.out = out;
        this.delayNanos = delayNanos;
        this.listener = listener;
        this.shutdownOutput = shutdownOutput;
        if (delayNanos > 0) {
            thread = new Thread(this::drain, name);
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** Forwards a chunk (after the delay). */
    void send(byte[] chunk) throws IOException {
        if (thread == null) {
            write(chunk);
        } else {
            queue.add(new Entry(System.nanoTime() + delayNanos, chunk));
        }
    }

    /** Half-closes the target after the chunks already handed over. */
    void end() {
        if (thread == null) {
            shutdownOutput.run();
            listener.finished(false);
        } else {
            queue.add(new Entry(System.nanoTime() + delayNanos, END));
        }
    }

    /** Stops the forwarding thread without writing what is queued. */
    void stop() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    Thread thread() {
        return thread;
    }

    private void write(byte[] chunk) throws IOException {
        listener.writing(chunk);
        out.write(chunk);
        out.flush();
    }

    private void drain() {
        try {
            while (true) {
                Entry entry = queue.take();
                long wait = entry.dueNanos - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                if (entry.chunk == END) {
                    shutdownOutput.run();
                    listener.finished(false);
                    return;
                }
                write(entry.chunk);
            }
        } catch (InterruptedException e) {
            // stopped
        } catch (IOException e) {
            listener.finished(true);
        }
    }
}
