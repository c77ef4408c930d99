package io.github.pipeliningsmtp.testing;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of a {@link PipeliningRelay}.
 *
 * @param delay a fixed one-way delay applied to every chunk in both directions: each chunk is
 *     forwarded {@code delay} after it arrived, in order (no bandwidth cap); zero forwards at once
 * @param insertPipelining whether to insert {@code 250-PIPELINING} into 250 replies to EHLO
 */
public record RelayOptions(Duration delay, boolean insertPipelining) {

    /** Validates the delay. */
    public RelayOptions {
        Objects.requireNonNull(delay);
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative");
        }
    }

    /** Returns the defaults: no delay, PIPELINING inserted. */
    public static RelayOptions defaults() {
        return new RelayOptions(Duration.ZERO, true);
    }

    /** Returns a copy with the given one-way delay. */
    public RelayOptions withDelay(Duration newDelay) {
        return new RelayOptions(newDelay, insertPipelining);
    }

    /** Returns a copy that does (or does not) insert PIPELINING into EHLO replies. */
    public RelayOptions withInsertPipelining(boolean insert) {
        return new RelayOptions(delay, insert);
    }
}
