package io.github.pipeliningsmtp.client;

/**
 * How a flight ended: every reply read and the connection still usable, or the connection ended
 * (and the socket was closed) for one of the reasons below, with the error that ended it.
 *
 * @param end   how it ended
 * @param error what ended it; null when {@link End#COMPLETED}
 */
record FlightOutcome(End end, SmtpError error) {

    /** The ways a flight ends. */
    enum End {
        /** Every step got its reply; the connection may be used again. */
        COMPLETED,
        /** The server sent 421 (RFC 5321 §3.8): it is closing the connection. */
        SERVICE_CLOSING,
        /** Timeout, reset, EOF, a malformed reply, or content that could not be produced. */
        BROKEN,
        /** A reply contradicted the client's model of the server's state (including a reply to a command never sent). */
        OUT_OF_STEP
    }

    static final FlightOutcome COMPLETED = new FlightOutcome(End.COMPLETED, null);

    static FlightOutcome ended(SmtpError error) {
        if (error.reply().isPresent() && error.reply().get().isServiceClosing()) {
            return new FlightOutcome(End.SERVICE_CLOSING, error);
        }
        return new FlightOutcome(End.BROKEN, error);
    }

    static FlightOutcome outOfStep(SmtpError error) {
        return new FlightOutcome(End.OUT_OF_STEP, error);
    }

    boolean completed() {
        return end == End.COMPLETED;
    }
}
