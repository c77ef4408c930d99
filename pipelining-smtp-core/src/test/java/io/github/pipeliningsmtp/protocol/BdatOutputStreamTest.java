package io.github.pipeliningsmtp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The BDAT encoder (RFC 3030 §2) gives the same chunks whatever the slices the content is written
 * in, and whatever the size of its buffer on the way to the chunk size (it starts at 8 KiB): line
 * ends normalised to CRLF, a final CRLF added, chunks of exactly the chunk size, the last one LAST.
 */
class BdatOutputStreamTest {

    private static final BdatOutputStream.ChunkListener ALWAYS = new BdatOutputStream.ChunkListener() {
        @Override
        public boolean beforeChunk(int size, boolean last) {
            return true;
        }

        @Override
        public void afterChunk(int size, boolean last) {
        }
    };

    /** What the encoder must write, computed the plain way. */
    private static byte[] expected(byte[] content, int chunkSize) {
        ByteArrayOutputStream normal = new ByteArrayOutputStream();
        for (int i = 0; i < content.length; i++) {
            byte b = content[i];
            if (b == '\r') {
                normal.write('\r');
                normal.write('\n');
                if (i + 1 < content.length && content[i + 1] == '\n') {
                    i++;
                }
            } else if (b == '\n') {
                normal.write('\r');
                normal.write('\n');
            } else {
                normal.write(b);
            }
        }
        byte[] n = normal.toByteArray();
        if (n.length > 0 && !(n.length >= 2 && n[n.length - 2] == '\r' && n[n.length - 1] == '\n')) {
            normal.write('\r');
            normal.write('\n');
            n = normal.toByteArray();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int off = 0;
        do {
            int size = Math.min(chunkSize, n.length - off);
            boolean last = off + size == n.length;
            out.writeBytes(("BDAT " + size + (last ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(n, off, size);
            off += size;
        } while (off < n.length);
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 8191, 8192, 8193, 20_000, 131_072})
    void anySlicingGivesTheSameChunks(int chunkSize) throws IOException {
        Random random = new Random(chunkSize);
        for (int round = 0; round < 24; round++) {
            // long contents (past the 8 KiB first buffer) only with chunks big enough to stay quick
            int length = round == 0 ? 0 : random.nextInt(round < 20 || chunkSize < 8191 ? 300 : 60_000);
            byte[] content = new byte[length];
            for (int i = 0; i < length; i++) {
                int r = random.nextInt(40);
                content[i] = (byte) (r == 0 ? '\r' : r == 1 ? '\n' : r == 2 ? 0xC3 : 'a' + r % 26);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BdatOutputStream bdat = new BdatOutputStream(out, chunkSize, ALWAYS);
            int i = 0;
            while (i < length) {
                if (random.nextInt(4) == 0) {
                    bdat.write(content[i++]);
                } else {
                    int n = Math.min(length - i, random.nextInt(20_000) + 1);
                    bdat.write(content, i, n);
                    i += n;
                }
            }
            bdat.finish();
            assertThat(out.toByteArray()).as("round %d, %d octets", round, length)
                    .isEqualTo(expected(content, chunkSize));
        }
    }
}
