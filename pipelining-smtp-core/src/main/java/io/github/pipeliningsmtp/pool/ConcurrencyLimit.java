package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.SmtpListener;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How many connections may be in use at once: an adaptive limit below the pool's
 * {@code max-connections}, which borrowers wait on (in arrival order) before Commons Pool's own
 * {@code maxTotal}. It is lowered when the server refuses a connection or a transaction for
 * concurrency, and raised again after a run of successes, as Postfix's per-destination
 * concurrency does (additive increase, multiplicative decrease):
 * <ul>
 *   <li>{@link #refused()}: the limit is halved (rounded down, never below 1) when the refusal
 *       came while no more connections were in use than the limit allows; refusals from connections
 *       taken before an earlier decrease (in use above the limit) are not counted again, so one
 *       burst of refusals halves the limit once;</li>
 *   <li>{@link #succeeded()}: after {@code increaseAfter} accepted contents in a row (no refusal in
 *       between) the limit grows by one, never above {@code max}.</li>
 * </ul>
 * Not adaptive: the limit stays at {@code max}, and waiting on it is only the pool's size.
 *
 * <p>Thread-safe: one lock (fair) guards the limit, the count in use and the run of successes;
 * {@link SmtpListener#concurrencyLimitChanged} is told outside it, on the thread whose reply changed
 * the limit.
 */
final class ConcurrencyLimit {

    private final int max;
    private final int increaseAfter;
    private final boolean adaptive;
    private final SmtpListener listener;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition free = lock.newCondition();
    private int limit;
    private int inUse;
    private int successes;
    private int waiting;

    ConcurrencyLimit(int max, boolean adaptive, int increaseAfter, SmtpListener listener) {
        this.max = max;
        this.limit = max;
        this.adaptive = adaptive;
        this.increaseAfter = increaseAfter;
        this.listener = listener;
    }

    /**
     * Takes one place, waiting until fewer than the limit are in use or until {@code deadlineNanos}
     * ({@link System#nanoTime()} scale).
     *
     * @return false when no place was free by the deadline
     * @throws InterruptedIOException when interrupted while waiting (the interrupt flag is set again)
     */
    boolean acquire(long deadlineNanos) throws InterruptedIOException {
        lock.lock();
        try {
            while (inUse >= limit) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                waiting++;
                try {
                    free.await(left, TimeUnit.NANOSECONDS);
                } finally {
                    waiting--;
                }
            }
            inUse++;
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for an SMTP connection");
        } finally {
            lock.unlock();
        }
    }

    /** Gives a place back. */
    void release() {
        lock.lock();
        try {
            inUse--;
            free.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The server refused a connection or a transaction for concurrency. */
    void refused() {
        if (!adaptive) {
            return;
        }
        int changed;
        lock.lock();
        try {
            successes = 0;
            if (inUse > limit || limit == 1) {
                return;
            }
            limit = Math.max(1, limit / 2);
            changed = limit;
        } finally {
            lock.unlock();
        }
        listener.concurrencyLimitChanged(changed);
    }

    /** The server accepted a message's content. */
    void succeeded() {
        if (!adaptive) {
            return;
        }
        int changed;
        lock.lock();
        try {
            if (limit == max || ++successes < increaseAfter) {
                return;
            }
            successes = 0;
            limit++;
            changed = limit;
            free.signal();
        } finally {
            lock.unlock();
        }
        listener.concurrencyLimitChanged(changed);
    }

    /** The limit now. */
    int limit() {
        lock.lock();
        try {
            return limit;
        } finally {
            lock.unlock();
        }
    }

    /** Threads waiting for a place now. */
    int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    /** Places taken now. */
    int inUse() {
        lock.lock();
        try {
            return inUse;
        } finally {
            lock.unlock();
        }
    }
}
