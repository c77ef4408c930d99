package io.github.pipeliningsmtp.testing;

import java.io.ByteArrayOutputStream;

/** Line-end helpers for comparing what a client meant to send with what a server stored. */
public final class LineEnds {

    private LineEnds() {
    }

    /** Turns every bare CR and bare LF into CRLF (what an SMTP client must put on the wire). */
    public static byte[] crlf(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 64);
        for (int i = 0; i < in.length; i++) {
            byte b = in[i];
            if (b == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < in.length && in[i + 1] == '\n') {
                    i++;
                }
            } else if (b == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }
}
