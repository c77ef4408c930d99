package io.github.pipeliningsmtp.client;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Counts the octets handed to the socket, so a reader thread can tell a slow write from a stalled one. */
final class ProgressOutputStream extends FilterOutputStream {

    private volatile long written;

    ProgressOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        written++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        written += len;
    }

    /** Octets written so far. Written by one thread at a time; read by any. */
    long written() {
        return written;
    }
}
