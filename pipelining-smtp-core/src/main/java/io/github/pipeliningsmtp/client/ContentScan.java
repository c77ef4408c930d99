package io.github.pipeliningsmtp.client;

import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * One pass over a message's content without keeping it: its size in octets as sent (line ends
 * normalised to CRLF, a final CRLF added; dot-stuffing not counted, RFC 1870 §3) and whether any
 * octet is 8-bit (RFC 6152).
 *
 * @param octets   the size
 * @param eightBit whether an octet above 127 occurs
 */
record ContentScan(long octets, boolean eightBit) {

    static ContentScan of(MessageContent content) throws IOException, MessagingException {
        Counter counter = new Counter();
        content.writeTo(counter);
        return new ContentScan(counter.octets + (counter.atLineStart ? 0 : 2), counter.eightBit);
    }

    private static final class Counter extends OutputStream {
        long octets;
        boolean eightBit;
        boolean atLineStart = true;
        boolean pendingCr;

        @Override
        public void write(int b) {
            byte x = (byte) b;
            if (pendingCr) {
                pendingCr = false;
                octets += 2;
                atLineStart = true;
                if (x == '\n') {
                    return;
                }
            }
            if (x == '\r') {
                pendingCr = true;
            } else if (x == '\n') {
                octets += 2;
                atLineStart = true;
            } else {
                octets++;
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
                octets += 2;
                atLineStart = true;
            }
        }
    }
}
