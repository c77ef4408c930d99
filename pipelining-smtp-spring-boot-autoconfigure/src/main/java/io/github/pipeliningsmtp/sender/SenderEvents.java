package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.RetireReason;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.ThrottleKind;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The listeners of one sender, fanned out: the one {@link SmtpListener} given to its pool (replies,
 * round trips, connections) and told of its batches, to which listeners are added later, e.g. when
 * metrics are bound.
 * Thread-safe. A listener that throws is ignored for that event.
 */
public final class SenderEvents implements SmtpListener {

    private final List<SmtpListener> listeners = new CopyOnWriteArrayList<>();
    private volatile SendObserver observer = SendObserver.NONE;

    /** Adds a listener. */
    public void add(SmtpListener listener) {
        listeners.add(listener);
    }

    /** Sets the observer wrapping each batch. */
    public void observer(SendObserver observer) {
        this.observer = observer;
    }

    SendObserver observer() {
        return observer;
    }

    @Override
    public void replyReceived(String command, SmtpReply reply) {
        for (SmtpListener l : listeners) {
            try {
                l.replyReceived(command, reply);
            } catch (RuntimeException ignored) {
                // a listener must not break sending
            }
        }
    }

    @Override
    public void roundTrip() {
        for (SmtpListener l : listeners) {
            try {
                l.roundTrip();
            } catch (RuntimeException ignored) {
                // a listener must not break sending
            }
        }
    }

    @Override
    public void connectionOpened() {
        for (SmtpListener l : listeners) {
            try {
                l.connectionOpened();
            } catch (RuntimeException ignored) {
                // a listener must not break sending
            }
        }
    }

    @Override
    public void connectionRetired(RetireReason reason) {
        for (SmtpListener l : listeners) {
            try {
                l.connectionRetired(reason);
            } catch (RuntimeException ignored) {
                // a listener must not break sending
            }
        }
    }

    @Override
    public void batchCompleted(SendReport report, Duration elapsed) {
        for (SmtpListener l : listeners) {
            try {
                l.batchCompleted(report, elapsed);
            } catch (RuntimeException ignored) {
                // a listener must not break sending
            }
        }
    }

    @Override
    public void throttled(ThrottleKind kind, String command, SmtpReply reply) {
        each(l -> l.throttled(kind, command, reply));
    }

    @Override
    public void retrying(int messages, int recipients, Duration backOff) {
        each(l -> l.retrying(messages, recipients, backOff));
    }

    @Override
    public void retryWaited(Duration waited) {
        each(l -> l.retryWaited(waited));
    }

    @Override
    public void concurrencyLimitChanged(int limit) {
        each(l -> l.concurrencyLimitChanged(limit));
    }

    private void each(java.util.function.Consumer<SmtpListener> event) {
        for (SmtpListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException ignored) {
                // a listener must not break sending
            }
        }
    }
}
