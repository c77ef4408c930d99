package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.BdatOutputStream;
import io.github.pipeliningsmtp.protocol.DotStuffingOutputStream;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import jakarta.mail.MessagingException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a flight into the connection's buffered output: commands as encoded, DATA content through
 * the dot-stuffing encoder, BDAT content as chunks (reporting each chunk to the reader through its
 * queue), then one flush, so a flight goes out in as few writes as the buffer allows (RFC 2920
 * §3.1). Runs on the caller's thread or a writer thread; one at a time per connection.
 */
final class FlightWriter {

    private FlightWriter() {
    }

    /** A chunk (or the RSET after a declined one) that the writer handed to the socket. */
    record ChunkWritten(String display, boolean last) {
    }

    static void writeAll(OutputStream out, List<Flight.Step> steps, CompletableFuture<Void>[] written,
                         BlockingQueue<Object>[] chunks) throws IOException, MessagingException {
        writeAll(out, steps, written, chunks, null);
    }

    /** As above; with a window, waits for the turn of each message before writing its first step. */
    static void writeAll(OutputStream out, List<Flight.Step> steps, CompletableFuture<Void>[] written,
                         BlockingQueue<Object>[] chunks, FlightWindow window) throws IOException, MessagingException {
        for (int i = 0; i < steps.size(); i++) {
            Flight.Step step = steps.get(i);
            if (window != null) {
                window.awaitTurn(i, out);
            }
            if (step.isChunked()) {
                BlockingQueue<Object> queue = chunks[i];
                writeContent(step, () -> writeChunks(step, out, queue));
            } else if (step.command() != null) {
                Wire.trace("C: {0}", step.command());
                out.write(step.bytes());
                if (step.beforeTerminator() != null) {
                    step.beforeTerminator().run();
                }
            } else {
                writeContent(step, () -> {
                    // the content's own flushes (MimeMessage.writeTo ends with one) must not split the
                    // flight: content, terminator and the next envelope go out in one write (§3.1)
                    DotStuffingOutputStream data = new DotStuffingOutputStream(withoutFlush(out));
                    step.content().writeTo(data);
                    step.beforeTerminator().run();
                    data.finish();
                    Wire.trace("C: <content and end of data, {0} octets>", data.octetsWritten());
                });
            }
            written[i].complete(null);
        }
        out.flush();
    }

    /** Content writing that may fail locally. */
    @FunctionalInterface
    private interface ContentWrite {
        void run() throws IOException, MessagingException;
    }

    /** Runs a content write; a failure of the content itself (not of the connection) is told to its transaction first. */
    private static void writeContent(Flight.Step step, ContentWrite write) throws IOException, MessagingException {
        try {
            write.run();
        } catch (MessagingException | RuntimeException e) {
            step.handler().onContentFailure(step.isChunked()
                    ? SmtpError.local(SmtpStep.BDAT, "BDAT (content)", "content could not be written: " + e, e)
                    : SmtpError.local(SmtpStep.DATA_CONTENT, "content could not be written: " + e, e));
            throw e;
        }
    }

    /** Writes one message as BDAT chunks; after a refused chunk, stops and writes RSET instead (RFC 3030 §3). */
    private static void writeChunks(Flight.Step step, OutputStream out, BlockingQueue<Object> queue)
            throws IOException, MessagingException {
        ChunkHandler handler = (ChunkHandler) step.handler();
        BdatOutputStream bdat = new BdatOutputStream(withoutFlush(out), step.chunkSize(),
                new BdatOutputStream.ChunkListener() {
                    @Override
                    public boolean beforeChunk(int size, boolean last) {
                        if (handler.refused()) {
                            return false;
                        }
                        if (last) {
                            step.beforeTerminator().run();
                        }
                        return true;
                    }

                    @Override
                    public void afterChunk(int size, boolean last) {
                        String display = SmtpCommand.bdat(size, last).display();
                        Wire.trace("C: {0} <octets>", display);
                        queue.add(new ChunkWritten(display, last));
                    }
                });
        step.content().writeTo(bdat);
        bdat.finish();
        if (bdat.declined()) {
            SmtpCommand rset = SmtpCommand.rset();
            Wire.trace("C: {0}", rset);
            out.write(rset.bytes());
            queue.add(new ChunkWritten(rset.display(), true));
        }
    }

    /** {@code out} with {@link OutputStream#flush()} ignored; the flight is flushed once, at its end. */
    private static OutputStream withoutFlush(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void flush() {
                // deferred to the end of the flight
            }

            @Override
            public void close() {
                // the connection's stream stays open
            }
        };
    }

}
