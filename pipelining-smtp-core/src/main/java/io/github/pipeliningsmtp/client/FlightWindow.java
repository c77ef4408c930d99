package io.github.pipeliningsmtp.client;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The sliding window of a BDAT flight (RFC 3030 §4.2 with RFC 2920): the writer may write the first
 * command of message {@code m} (its RSET or MAIL FROM) only once the replies of every message up to
 * {@code m - size} have been read. So at any moment at most {@code size} messages of the flight
 * have anything written whose replies are not all read, which is what one broken connection may
 * leave UNKNOWN, while the writer keeps writing the next messages as replies come back instead of
 * stopping at the end of each group of {@code size} messages. A writer that had to stop goes on
 * once half the window ({@code max(1, size / 2)} messages) is free, so it writes in groups of
 * about {@code size / 2} messages rather than one message per reply read.
 *
 * <p>Threads: {@link #messageStartsAt} while the flight is built; then {@link #awaitTurn} on the
 * writing thread and {@link #completed} and {@link #close} on the reading thread. A writer waiting
 * for its turn flushes first, so that the reader can get the replies it is waiting for; it waits
 * until the reader completes a message or the flight ends ({@link #close}, called when the
 * pipeline ends the flight, normally or not), so the wait is bounded by the reader's reply
 * timeouts (the chunk timeout, and the data timeout for a LAST chunk).
 */
final class FlightWindow {

    private final int size;
    /** How many messages must be free in the window before a stopped writer goes on. */
    private final int resume;
    private final Map<Integer, Integer> messageOfStep = new HashMap<>();
    private int messages;
    private int completed;
    private boolean closed;
    private int stalls;

    FlightWindow(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("window size " + size);
        }
        this.size = size;
        this.resume = Math.max(1, size / 2);
    }

    /** While building: the next message starts at step {@code stepIndex}. */
    void messageStartsAt(int stepIndex) {
        messageOfStep.put(stepIndex, messages++);
    }

    /**
     * Called by the writer before step {@code stepIndex}: returns at once unless the step starts a
     * message that would be more than {@code size} ahead of the replies read; then flushes
     * {@code out} and waits.
     *
     * @throws IOException when the flight ended while waiting (nothing more may be written)
     */
    void awaitTurn(int stepIndex, OutputStream out) throws IOException {
        Integer message = messageOfStep.get(stepIndex);
        if (message == null) {
            return;
        }
        synchronized (this) {
            if (!closed && message - completed < size) {
                return;
            }
        }
        // outside the lock: a flush may block until the server reads, and the server may wait for
        // the reader (which takes the lock in completed()) to read its replies first
        out.flush();
        synchronized (this) {
            stalls++;
            // once stopped, wait until half the window is free, so that the next messages go out
            // in one write of about size / 2 messages rather than one write per reply
            while (!closed && message - completed > size - resume) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for the BDAT window");
                }
            }
            if (closed) {
                throw new IOException("the flight ended before message " + (message + 1) + " was written");
            }
        }
    }

    /** The reader read every reply of the next message. */
    synchronized void completed() {
        completed++;
        notifyAll();
    }

    /**
     * How often the writer had to wait for replies: each wait is a round trip of its own (the
     * writer flushed, then needed a reply before writing more).
     */
    synchronized int stalls() {
        return stalls;
    }

    /** The flight ended: a waiting writer stops. Idempotent. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
