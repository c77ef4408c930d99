package io.github.pipeliningsmtp.protocol;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Encodes message content for the DATA command (RFC 5321 §4.5.2) as it streams: every bare CR and
 * bare LF becomes CRLF, every line that starts with {@code .} gets one more {@code .}, and
 * {@link #finish()} ends the content with exactly one {@code CRLF.CRLF} (adding the CRLF only
 * when the content did not end with one). Memory is constant (an 8 KiB buffer) whatever the size of
 * the message. {@link #close()} finishes but never closes the underlying stream, which is the
 * connection's.
 *
 * <p>Not thread-safe.
 */
public final class DotStuffingOutputStream extends OutputStream {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';

    private final OutputStream out;
    private final byte[] buf = new byte[8192];
    private int count;
    private boolean atLineStart = true;
    private boolean pendingCr;
    private boolean finished;
    private long octets;

    /** @param out where the encoded octets go; flushed by {@link #flush()} and {@link #finish()} */
    public DotStuffingOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        encode((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        for (int i = off, end = off + len; i < end; i++) {
            encode(b[i]);
        }
    }

    private void encode(byte b) throws IOException {
        if (pendingCr) {
            pendingCr = false;
            put(CR);
            put(LF);
            atLineStart = true;
            if (b == LF) {
                return;
            }
        }
        if (b == CR) {
            pendingCr = true;
        } else if (b == LF) {
            put(CR);
            put(LF);
            atLineStart = true;
        } else {
            if (atLineStart && b == DOT) {
                put(DOT);
            }
            put(b);
            atLineStart = false;
        }
    }

    private void put(byte b) throws IOException {
        if (count == buf.length) {
            drain();
        }
        buf[count++] = b;
    }

    private void drain() throws IOException {
        out.write(buf, 0, count);
        octets += count;
        count = 0;
    }

    /**
     * Ends the content: a pending CR becomes CRLF, a CRLF is added if the last line has none, then
     * the terminator {@code .CRLF} is written and everything is flushed to the underlying stream.
     * Idempotent; writes after it throw {@link IllegalStateException}.
     */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        if (pendingCr) {
            pendingCr = false;
            put(CR);
            put(LF);
            atLineStart = true;
        }
        if (!atLineStart) {
            put(CR);
            put(LF);
        }
        put(DOT);
        put(CR);
        put(LF);
        finished = true;
        drain();
    }

    /** Octets handed to the underlying stream so far, stuffing and terminator included. */
    public long octetsWritten() {
        return octets + count;
    }

    /** Passes encoded bytes on; a pending CR is held until the next byte decides what it is. */
    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    /** Same as {@link #finish()}; the underlying stream stays open. */
    @Override
    public void close() throws IOException {
        finish();
    }

    private void ensureOpen() {
        if (finished) {
            throw new IllegalStateException("content already finished");
        }
    }
}
