package io.github.pipeliningsmtp.pool;

/** Told when the pool opens or retires a connection (for metrics). Called on pool threads; must not block. */
public interface PoolListener {

    /** Does nothing. */
    PoolListener NONE = new PoolListener() {
    };

    /** A connection was opened and its session set up. */
    default void connectionOpened() {
    }

    /**
     * A connection was closed.
     *
     * @param reason {@code broken}, {@code stale}, {@code max-messages}, {@code max-age}, {@code idle} or {@code shutdown}
     */
    default void connectionRetired(String reason) {
    }
}
