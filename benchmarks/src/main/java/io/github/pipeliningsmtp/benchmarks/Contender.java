package io.github.pipeliningsmtp.benchmarks;

import java.util.List;

/** One sender under test: prepares a client and a batch outside the timed part, then sends it. */
interface Contender {

    /** Name shown in the tables. */
    String name();

    /** Connections it may use at once (for the round-trip limit). */
    int connections();

    /**
     * Fewest messages per measurement, whatever the time budget: the pipelined sender's round trips
     * per message include connection set-up, which must be spread over enough messages to say
     * anything about the steady state.
     */
    default int minMessages(boolean quick) {
        return quick ? 4 : 10;
    }

    /** Most messages per measurement (the scenario's count). */
    default int maxMessages() {
        return BenchmarkRunner.MAX_MESSAGES;
    }

    /**
     * Whether it sends content by BDAT (RFC 3030) and so must be pointed at the sink that advertises
     * CHUNKING; every other contender gets the sink without it, so that DATA stays DATA.
     */
    default boolean chunking() {
        return false;
    }

    /**
     * Messages of the probe run that sets the count (and warms the JIT): enough to see the steady
     * state per message behind the set-up round trips.
     */
    default int probeMessages(int rttMillis) {
        return rttMillis == 0 ? 300 : 3;
    }

    /**
     * The round-trip limit of {@code n} messages at {@code rttMillis} in seconds: with DATA one
     * round trip per message per connection plus EHLO and the last flight, (⌈n/c⌉ + 2) × RTT; with
     * BDAT (one batch) the protocol does not wait per message, so one flight plus set-up, 3 × RTT.
     */
    default double limitSeconds(int n, int rttMillis) {
        int perConnection = (n + connections() - 1) / connections();
        int flights = chunking() ? 1 : perConnection;
        return (flights + 2) * rttMillis / 1000.0;
    }

    /** Creates the client (no connection yet) and builds {@code n} messages to {@code recipients}. */
    Batch prepare(String host, int port, int n, List<String> recipients) throws Exception;

    /** A prepared batch. */
    interface Batch extends AutoCloseable {

        /** Sends every message (the timed part); returns how many were delivered to every recipient. */
        int send() throws Exception;

        /** Closes the client (QUIT), not timed. */
        @Override
        void close() throws Exception;
    }
}
