package io.github.pipeliningsmtp.client;

import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * One pass over a message's content without keeping it (constant memory): its size in octets as
 * sent (line ends normalised to CRLF, a final CRLF added; dot-stuffing not counted, RFC 1870 §3),
 * whether any octet is 8-bit (RFC 6152), and its longest line.
 *
 * @param octets      the size
 * @param eightBit    whether an octet above 127 occurs
 * @param longestLine octets of the longest line, without its CRLF (at most 998 allowed, RFC 5322 §2.1.1)
 */
record ContentScan(long octets, boolean eightBit, long longestLine) {

    /** The most octets a line may have, without its CRLF (RFC 5322 §2.1.1; RFC 5321 §4.5.3.1.6 allows 1000 with it). */
    static final int MAX_LINE = 998;

    static ContentScan of(MessageContent content) throws IOException, MessagingException {
        Counter counter = new Counter();
        content.writeTo(counter);
        return new ContentScan(counter.octets + (counter.atLineStart ? 0 : 2), counter.eightBit,
                Math.max(counter.longest, counter.line));
    }

    /** Whether a line is over {@link #MAX_LINE}. */
    boolean longLines() {
        return longestLine > MAX_LINE;
    }

    private static final class Counter extends OutputStream {
        long octets;
        boolean eightBit;
        boolean atLineStart = true;
        boolean pendingCr;
        long line;
        long longest;

        private void endLine() {
            octets += 2;
            atLineStart = true;
            longest = Math.max(longest, line);
            line = 0;
        }

        @Override
        public void write(int b) {
            byte x = (byte) b;
            if (pendingCr) {
                pendingCr = false;
                endLine();
                if (x == '\n') {
                    return;
                }
            }
            if (x == '\r') {
                pendingCr = true;
            } else if (x == '\n') {
                endLine();
            } else {
                octets++;
                line++;
                atLineStart = false;
                eightBit |= x < 0;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public void close() {
            if (pendingCr) {
                pendingCr = false;
                endLine();
            }
        }
    }
}
