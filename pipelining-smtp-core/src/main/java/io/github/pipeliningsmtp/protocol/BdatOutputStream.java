package io.github.pipeliningsmtp.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes message content as BDAT chunks (RFC 3030 §2): bare CR and bare LF become CRLF, a final
 * CRLF is added when the content does not end with one, and the octets are sent exactly, never
 * dot-stuffed, as {@code BDAT n CRLF} followed by n octets, the last chunk as {@code BDAT n LAST}.
 * Memory is bounded by the chunk size (the buffer starts at 8 KiB and grows to it only for content
 * that large, so a small message does not allocate a whole chunk). {@link #close()} finishes but never closes the underlying
 * stream.
 *
 * <p>Before each chunk the {@link ChunkListener} may decline it (after a refused chunk, RFC 3030
 * §3 forbids sending more); the rest of the content is then discarded. Not thread-safe.
 */
public final class BdatOutputStream extends OutputStream {

    /** Told of each chunk, on the writing thread. */
    public interface ChunkListener {

        /**
         * Called before a chunk is written.
         *
         * @return false to send no more chunks of this message
         */
        boolean beforeChunk(int size, boolean last);

        /** Called after a chunk's header and octets were handed to the underlying stream. */
        void afterChunk(int size, boolean last);
    }

    /** First size of the chunk buffer; it grows (doubling) up to the chunk size as content comes. */
    private static final int INITIAL_BUFFER = 8192;

    private final OutputStream out;
    private final int chunkSize;
    private byte[] chunk;
    private final ChunkListener listener;
    private int count;
    private boolean pendingCr;
    private boolean atLineStart = true;
    private boolean declined;
    private boolean finished;

    /**
     * @param out       where chunk headers and octets go
     * @param chunkSize octets per chunk (the last may be smaller), at least 1
     * @param listener  told of each chunk
     */
    public BdatOutputStream(OutputStream out, int chunkSize, ChunkListener listener) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be at least 1");
        }
        this.out = out;
        this.chunkSize = chunkSize;
        this.chunk = new byte[Math.min(chunkSize, INITIAL_BUFFER)];
        this.listener = listener;
    }

    @Override
    public void write(int b) throws IOException {
        encode((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int i = off;
        int end = off + len;
        while (i < end) {
            byte x = b[i];
            if (pendingCr || x == '\r' || x == '\n' || finished) {
                encode(x);
                i++;
                continue;
            }
            // a run of octets that are neither CR nor LF goes into the chunk as it is
            int run = i + 1;
            while (run < end && b[run] != '\r' && b[run] != '\n') {
                run++;
            }
            putAll(b, i, run - i);
            atLineStart = false;
            i = run;
        }
    }

    private void putAll(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (count == chunk.length) {
                full();
            }
            int n = Math.min(len, chunk.length - count);
            System.arraycopy(b, off, chunk, count, n);
            count += n;
            off += n;
            len -= n;
        }
    }

    private void encode(byte b) throws IOException {
        if (finished) {
            throw new IllegalStateException("content already finished");
        }
        if (pendingCr) {
            pendingCr = false;
            put((byte) '\r');
            put((byte) '\n');
            atLineStart = true;
            if (b == '\n') {
                return;
            }
        }
        if (b == '\r') {
            pendingCr = true;
        } else if (b == '\n') {
            put((byte) '\r');
            put((byte) '\n');
            atLineStart = true;
        } else {
            put(b);
            atLineStart = false;
        }
    }

    private void put(byte b) throws IOException {
        if (count == chunk.length) {
            full();
        }
        chunk[count++] = b;
    }

    /** The buffer is full: grow it toward the chunk size, or send it as a chunk when it is one. */
    private void full() throws IOException {
        if (chunk.length < chunkSize) {
            chunk = java.util.Arrays.copyOf(chunk, (int) Math.min(chunkSize, 2L * chunk.length));
        } else {
            emit(false);
        }
    }

    private void emit(boolean last) throws IOException {
        if (!declined && listener.beforeChunk(count, last)) {
            String header = "BDAT " + count + (last ? " LAST" : "") + "\r\n";
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            out.write(chunk, 0, count);
            listener.afterChunk(count, last);
        } else {
            declined = true;
        }
        count = 0;
    }

    /** Sends what is left as the {@code BDAT n LAST} chunk (n may be 0). Idempotent. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        if (pendingCr) {
            pendingCr = false;
            put((byte) '\r');
            put((byte) '\n');
            atLineStart = true;
        }
        if (!atLineStart) {
            put((byte) '\r');
            put((byte) '\n');
            atLineStart = true;
        }
        emit(true);
        finished = true;
    }

    /** True if the listener declined a chunk: the message was cut short and no LAST was sent. */
    public boolean declined() {
        return declined;
    }

    /** Passes nothing on by itself: chunks are written whole. */
    @Override
    public void flush() {
        // a chunk is written when full or at finish
    }

    /** Same as {@link #finish()}; the underlying stream stays open. */
    @Override
    public void close() throws IOException {
        finish();
    }
}
