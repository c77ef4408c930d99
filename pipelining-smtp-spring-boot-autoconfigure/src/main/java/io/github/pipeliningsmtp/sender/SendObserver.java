package io.github.pipeliningsmtp.sender;

import java.util.function.Supplier;

/** Wraps the sending of each batch, e.g. in a Micrometer Observation so tracing sees it. */
@FunctionalInterface
public interface SendObserver {

    /** Sends directly. */
    SendObserver NONE = new SendObserver() {
        @Override
        public <T> T observe(int messages, Supplier<T> send) {
            return send.get();
        }
    };

    /**
     * Runs {@code send} (once, on the calling thread) and returns its result.
     *
     * @param messages how many messages the batch holds
     */
    <T> T observe(int messages, Supplier<T> send);
}
