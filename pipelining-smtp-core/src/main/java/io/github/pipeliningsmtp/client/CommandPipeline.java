package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Executes flights on one connection: writes every step, then pairs replies with steps by counting,
 * in order (RFC 2920 §3.1), reading every status even after an error. Large flights and content
 * are written by a writer thread while this thread reads, so a server that blocks writing its
 * replies never deadlocks the client (RFC 2920 §3.2); a write that makes no progress for the
 * command timeout aborts the connection ({@link FlightWriting}).
 *
 * <p>A 421 reply, a timeout, an I/O or protocol error, a local content failure, or a reply that a
 * handler finds out of step with the client's model of the server ends the connection: the step
 * that was waiting gets the error, every later step gets {@link SmtpError#notAnswered}, nothing
 * more is written and the socket is closed. The {@link FlightOutcome} says which.
 * Used by one thread at a time.
 */
final class CommandPipeline {

    private final Wire wire;
    private final Duration writeStallTimeout;
    private final SmtpListener events;
    private long roundTrips;
    private long commandsSent;
    /** The writing of the flight being executed, null between flights. */
    private FlightWriting currentWrite;
    private FlightWindow currentWindow;

    CommandPipeline(Wire wire, Duration writeStallTimeout, SmtpListener events) {
        this.wire = wire;
        this.writeStallTimeout = writeStallTimeout;
        this.events = events;
    }

    /** Reports a reply to the listener. */
    void replied(String command, SmtpReply reply) {
        events.replyReceived(command, reply);
    }

    long roundTrips() {
        return roundTrips;
    }

    long commandsSent() {
        return commandsSent;
    }

    /** Counts a round trip made outside flights (session set-up commands). */
    void countRoundTrip() {
        roundTrips++;
        commandsSent++;
        events.roundTrip();
    }

    /**
     * Writes the flight and hands every step its reply or its error.
     *
     * @return how the flight ended; anything but {@link FlightOutcome.End#COMPLETED} means the
     *         connection ended and must not be used again
     */
    FlightOutcome execute(Flight flight) {
        List<Flight.Step> steps = flight.steps();
        if (wire.hasBufferedReply()) {
            // a flight ends a group: bytes already there answer commands not yet written (a server
            // that does not wait for commands); nothing is written, the connection is retired
            Flight.Step first = steps.get(0);
            SmtpReply early = wire.bufferedReply();
            if (early != null && early.isServiceClosing()) {
                // a 421 sent while the connection was idle: it answers the first step, as it would
                // have had the step been written (nothing was), and ends the connection
                replied(verbOf(first), early);
                if (first.content() != null || first.isChunked()) {
                    // not an end-of-data reply: the content was never written; every step is not answered
                    return fail(steps, 0, SmtpError.ofReply(first.step(), first.display(), early));
                }
                SmtpError outOfStep = first.handler().onReply(early);
                if (outOfStep != null) {
                    return failOutOfStep(steps, 1, outOfStep);
                }
                return fail(steps, 1, SmtpError.ofReply(first.step(), first.display(), early));
            }
            return fail(steps, 0, SmtpError.ofConnection(first.step(), first.display(),
                    new SmtpProtocolException(first.step(), "replies arrived before their commands were written"
                            + " (before " + first.display() + "): the server does not wait for commands, so its"
                            + " replies cannot be paired with them; connection aborted")));
        }
        FlightWriting writing = new FlightWriting(wire, writeStallTimeout, steps);
        roundTrips++;
        commandsSent += flight.commandCount();
        events.roundTrip();
        Exception notWritten = writing.start(flight);
        if (notWritten != null) {
            Flight.Step first = steps.get(0);
            return fail(steps, 0, SmtpError.ofConnection(first.step(), first.display(), wire.explain(notWritten)));
        }
        currentWrite = writing;
        currentWindow = flight.window();
        FlightOutcome outcome;
        try {
            outcome = readAll(steps, writing);
        } catch (RuntimeException | Error e) {
            abandon();
            throw e;
        } finally {
            closeWindow();
            currentWrite = null;
        }
        writing.awaitEnd();
        if (flight.window() != null) {
            // every time the writer waited for its window's turn, it waited for replies: a round trip
            for (int i = flight.window().stalls(); i > 0; i--) {
                roundTrips++;
                events.roundTrip();
            }
        }
        if (outcome.completed() && wire.isClosed()) {
            Flight.Step last = steps.get(steps.size() - 1);
            return FlightOutcome.ended(SmtpError.ofConnection(last.step(), last.display(),
                    new java.io.IOException("connection closed while writing the flight")));
        }
        return outcome;
    }

    private FlightOutcome readAll(List<Flight.Step> steps, FlightWriting writing) {
        for (int i = 0; i < steps.size(); i++) {
            Flight.Step step = steps.get(i);
            if (step.isChunked()) {
                FlightOutcome chunked = readChunks(steps, i, writing);
                if (!chunked.completed()) {
                    return chunked;
                }
                if (currentWindow != null) {
                    currentWindow.completed();
                }
                continue;
            }
            SmtpReply reply;
            try {
                if (step.content() != null) {
                    writing.awaitWritten(i, step.timeout());
                }
                reply = wire.readReply(step.step(), step.display(), step.timeout());
            } catch (IOException e) {
                SmtpError error = writing.errorFor(i, e);
                // a reply the server sent before the connection broke (a 421 after the 354, say) is
                // the real cause: it must not be hidden behind the write error (docs/fault-kinds.md#service-closing-mid-group)
                SmtpReply sent = error.type() == FailureType.LOCAL ? null : wire.bufferedReply();
                if (sent == null) {
                    return fail(steps, i, error);
                }
                replied(verbOf(step), sent);
                SmtpError outOfStep = step.handler().onReply(sent);
                if (outOfStep != null) {
                    return failOutOfStep(steps, i + 1, outOfStep);
                }
                return fail(steps, i + 1, sent.isServiceClosing() ? SmtpError.ofReply(step.step(), step.display(), sent)
                        : error);
            }
            replied(verbOf(step), reply);
            SmtpError outOfStep = step.handler().onReply(reply);
            if (outOfStep != null) {
                return failOutOfStep(steps, i + 1, outOfStep);
            }
            if (reply.isServiceClosing()) {
                return fail(steps, i + 1, SmtpError.ofReply(step.step(), step.display(), reply));
            }
        }
        if (wire.hasBufferedReply()) {
            // more replies than commands: a 421 (the server closing, e.g. right after its 354) ends the
            // connection with that reply; anything else (a 550 right after the 354, say) answers a
            // command never sent: out of step
            Flight.Step last = steps.get(steps.size() - 1);
            SmtpReply extra = wire.bufferedReply();
            wire.abort();
            if (extra != null && extra.isServiceClosing()) {
                return FlightOutcome.ended(SmtpError.ofReply(last.step(), last.display(), extra));
            }
            if (extra == null) {
                return FlightOutcome.outOfStep(SmtpError.ofConnection(last.step(), last.display(),
                        new SmtpProtocolException(last.step(), "bytes arrived that no command asked for")));
            }
            return FlightOutcome.outOfStep(SmtpError.outOfStep(last.step(), last.display(), extra,
                    "reply " + extra + " after the reply to " + last.display() + " answers a command that was never"
                            + " sent: the client no longer knows the server's state; the connection is retired"));
        }
        return FlightOutcome.COMPLETED;
    }

    private static String verbOf(Flight.Step step) {
        return step.command() != null ? step.command().verb().name() : "END_OF_DATA";
    }

    /** The replies of one message's BDAT chunks, as the writer reports each chunk written. */
    private FlightOutcome readChunks(List<Flight.Step> steps, int index, FlightWriting writing) {
        Flight.Step step = steps.get(index);
        ChunkHandler handler = (ChunkHandler) step.handler();
        String awaited = "BDAT (content)";
        while (true) {
            SmtpReply reply;
            FlightWriter.ChunkWritten chunk;
            try {
                chunk = writing.nextChunk(index);
                awaited = chunk.display();
                reply = wire.readReply(chunkStep(chunk), chunk.display(), chunk.last() ? step.timeout() : step.chunkTimeout());
            } catch (IOException e) {
                Throwable cause = e instanceof FlightWriting.ContentWriteException ? e.getCause() : e;
                SmtpError error = cause instanceof MessagingException || cause instanceof RuntimeException
                        ? SmtpError.local(SmtpStep.BDAT, awaited, "content could not be written: " + cause, cause)
                        : SmtpError.ofConnection(SmtpStep.BDAT, awaited, wire.explain(cause));
                return fail(steps, index, error);
            }
            replied(chunk.display().equals("RSET") ? "RSET" : "BDAT", reply);
            SmtpError outOfStep = handler.onChunkReply(chunk.display(), reply, chunk.last());
            if (outOfStep != null) {
                return failOutOfStep(steps, index + 1, outOfStep);
            }
            if (reply.isServiceClosing()) {
                return fail(steps, index + 1, SmtpError.ofReply(chunkStep(chunk), chunk.display(), reply));
            }
            if (chunk.last()) {
                return FlightOutcome.COMPLETED;
            }
        }
    }

    private static SmtpStep chunkStep(FlightWriter.ChunkWritten chunk) {
        return chunk.display().equals("RSET") ? SmtpStep.RSET : SmtpStep.BDAT;
    }

    /**
     * For a failure inside the client (thrown out of a handler or the listener): closes the connection
     * and waits for the writer thread, if any, to end, so that whether an end of data was written is final.
     */
    void abandon() {
        wire.abort();
        closeWindow();
        if (currentWrite != null) {
            currentWrite.awaitEnd();
        }
    }

    /** The step at {@code from} gets {@code error}; later ones are not answered. Closes the connection. */
    private FlightOutcome fail(List<Flight.Step> steps, int from, SmtpError error) {
        abortAndNotify(steps, from, error);
        return FlightOutcome.ended(error);
    }

    /** A handler found a reply out of step: every later step is not answered. Closes the connection. */
    private FlightOutcome failOutOfStep(List<Flight.Step> steps, int from, SmtpError error) {
        abortAndNotify(steps, from, error);
        return FlightOutcome.outOfStep(error);
    }

    private void abortAndNotify(List<Flight.Step> steps, int from, SmtpError error) {
        wire.abort();
        // a writer waiting for its window's turn stops without writing more
        closeWindow();
        if (currentWrite != null) {
            // after the abort the writer ends at once; only then is it final whether an end of data
            // (or LAST chunk) was written, which decides FAILED or UNKNOWN
            currentWrite.awaitEnd();
        }
        for (int i = from; i < steps.size(); i++) {
            Flight.Step step = steps.get(i);
            step.handler().onNoReply(i == from && error.reply().isEmpty() ? error
                    : SmtpError.notAnswered(step.step(), step.display(), error));
        }
    }

    private void closeWindow() {
        FlightWindow window = currentWindow;
        if (window != null) {
            window.close();
            currentWindow = null;
        }
    }
}
