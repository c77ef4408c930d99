package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The writing of one flight for {@link CommandPipeline}, and what its reader learns of it: the
 * flight is written on the reading thread (small flights), on the reading thread under a
 * {@link WriteWatchdog} (content with nothing to read until it is written), or by a writer thread
 * while the reader reads (RFC 2920 §3.2). Each step's write completes a future, each BDAT chunk
 * written is queued for the reader of its replies; a write that makes no progress for the write
 * stall timeout (the command timeout) aborts the connection.
 *
 * <p>Made and read by one thread; the writer thread only completes its futures and fills its queues.
 */
final class FlightWriting {

    private final Wire wire;
    private final Duration writeStallTimeout;
    private final List<Flight.Step> steps;
    private final CompletableFuture<Void>[] written;
    private final BlockingQueue<Object>[] chunks;
    /** The writer thread's task, or null when the flight is written on the reading thread. */
    private Future<?> writer;

    @SuppressWarnings("unchecked")
    FlightWriting(Wire wire, Duration writeStallTimeout, List<Flight.Step> steps) {
        this.wire = wire;
        this.writeStallTimeout = writeStallTimeout;
        this.steps = steps;
        written = new CompletableFuture[steps.size()];
        for (int i = 0; i < written.length; i++) {
            written[i] = new CompletableFuture<>();
        }
        chunks = new BlockingQueue[steps.size()];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = steps.get(i).isChunked() ? new LinkedBlockingQueue<>() : null;
        }
    }

    /**
     * Writes the flight, or starts its writer thread, as the flight says.
     *
     * @return what a write on the reading thread without a watchdog threw, or null; any other
     *         write reports its failure through the futures and queues the reader awaits
     */
    Exception start(Flight flight) {
        if (flight.writeInline()) {
            try {
                FlightWriter.writeAll(wire.out(), steps, written, chunks);
            } catch (Exception e) {
                return e;
            }
        } else if (flight.writeInlineWatched()) {
            long deadline = contentDeadline(steps);
            try (WriteWatchdog watchdog = WriteWatchdog.watch(wire, writeStallTimeout.toMillis(), deadline)) {
                try {
                    FlightWriter.writeAll(wire.out(), steps, written, chunks);
                } catch (Exception | Error e) {
                    Throwable cause = watchdog.deadlinePassed() ? new SmtpTimeoutException(SmtpStep.DATA_CONTENT,
                            "DATA (content)", "content not written within " + deadline + " ms (the end-of-data"
                            + " deadline): the server reads too slowly", new SocketTimeoutException())
                            : watchdog.fired() ? new SmtpTimeoutException(SmtpStep.DATA_CONTENT, "DATA (content)",
                            "no content written for "
                            + writeStallTimeout.toMillis() + " ms: the server stopped reading", new SocketTimeoutException())
                            : wire.explain(e);
                    // the reader finds this on the content step, or reads the replies already sent
                    for (CompletableFuture<Void> f : written) {
                        f.completeExceptionally(cause);
                    }
                }
            }
        } else {
            FlightWindow window = flight.window();
            writer = WriterThreads.EXECUTOR.submit(() -> {
                try {
                    FlightWriter.writeAll(wire.out(), steps, written, chunks, window);
                } catch (Exception | Error e) {
                    // the reader sees this on the content step it awaits, or reads EOF/reset itself,
                    // after the replies already received (a 421 must not be lost to an abort here)
                    for (CompletableFuture<Void> f : written) {
                        f.completeExceptionally(e);
                    }
                    for (BlockingQueue<Object> q : chunks) {
                        if (q != null) {
                            q.add(e);
                        }
                    }
                    if (!(e instanceof IOException)) {
                        // content that could not be produced: the server must never see an end of
                        // it, and the reader may be waiting for replies to commands still buffered
                        wire.abort();
                    }
                }
            });
        }
        return null;
    }

    /**
     * How long the content of a flight may take to write, however steadily it progresses: the
     * end-of-data deadline (the content step's reply timeout, the data timeout).
     */
    private static long contentDeadline(List<Flight.Step> steps) {
        long deadline = 0;
        for (Flight.Step step : steps) {
            if (step.content() != null && step.timeout() != null) {
                deadline = Math.max(deadline, step.timeout().toMillis());
            }
        }
        return deadline;
    }

    /** The writer failed; its cause is the writer's exception. */
    static final class ContentWriteException extends IOException {
        private static final long serialVersionUID = 1L;

        ContentWriteException(Throwable cause) {
            super("writing content failed", cause);
        }
    }

    /** The next chunk (or RSET after a declined one) of the BDAT step at {@code index} the writer handed to the socket. */
    FlightWriter.ChunkWritten nextChunk(int index) throws IOException {
        BlockingQueue<Object> queue = chunks[index];
        long last = wire.octetsWritten();
        while (true) {
            Object next;
            try {
                next = queue.poll(writeStallTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing content");
            }
            if (next instanceof FlightWriter.ChunkWritten chunk) {
                return chunk;
            }
            if (next instanceof Throwable t) {
                throw new ContentWriteException(t);
            }
            long now = wire.octetsWritten();
            if (now == last) {
                throw new SmtpTimeoutException(SmtpStep.BDAT, "BDAT (content)", "no content written for "
                        + writeStallTimeout.toMillis() + " ms: the server stopped reading",
                        new SocketTimeoutException());
            }
            last = now;
        }
    }

    /** The error of the step at {@code index} whose reply could not be read: the writer's failure, if it failed. */
    SmtpError errorFor(int index, IOException readError) {
        Flight.Step step = steps.get(index);
        CompletableFuture<Void> written = this.written[index];
        Throwable cause = readError;
        if (written.isCompletedExceptionally()) {
            try {
                written.join();
            } catch (Exception e) {
                cause = e.getCause() != null ? e.getCause() : e;
            }
        }
        if (step.content() == null) {
            return SmtpError.ofConnection(step.step(), step.display(), wire.explain(cause));
        }
        if (cause instanceof MessagingException || cause instanceof RuntimeException) {
            return SmtpError.local(SmtpStep.DATA_CONTENT, "content could not be written: " + cause, cause);
        }
        cause = wire.explain(cause);
        boolean terminatorOut = written.isDone() && !written.isCompletedExceptionally();
        return terminatorOut ? SmtpError.ofConnection(step.step(), step.display(), cause)
                : SmtpError.ofConnection(SmtpStep.DATA_CONTENT, null, cause);
    }

    /**
     * Waits until the step at {@code index} (a DATA content) is written: at most {@code deadline}
     * in all (none when null), and at most the write stall timeout without a written octet.
     */
    void awaitWritten(int index, Duration deadline) throws IOException {
        CompletableFuture<Void> written = this.written[index];
        long last = wire.octetsWritten();
        long end = deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos();
        while (true) {
            try {
                long left = Math.max(1, (end - System.nanoTime()) / 1_000_000);
                written.get(Math.min(writeStallTimeout.toMillis(), left), TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() - end >= 0) {
                    throw new SmtpTimeoutException(SmtpStep.DATA_CONTENT, "DATA (content)", "content not written within "
                            + deadline.toMillis() + " ms (the end-of-data deadline): the server reads too slowly",
                            new SocketTimeoutException());
                }
                long now = wire.octetsWritten();
                if (now == last) {
                    throw new SmtpTimeoutException(SmtpStep.DATA_CONTENT, "DATA (content)", "no content written for "
                            + writeStallTimeout.toMillis() + " ms: the server stopped reading",
                            new SocketTimeoutException());
                }
                last = now;
            } catch (ExecutionException e) {
                throw new IOException("writing content failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing content");
            }
        }
    }

    /**
     * Waits for the writer thread, if any, to end: at most the write stall timeout, after which (or
     * on its failure, or an interrupt) the connection is aborted.
     */
    void awaitEnd() {
        if (writer == null) {
            return;
        }
        try {
            writer.get(writeStallTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            wire.abort();
        } catch (ExecutionException e) {
            wire.abort();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            wire.abort();
        }
    }
}
