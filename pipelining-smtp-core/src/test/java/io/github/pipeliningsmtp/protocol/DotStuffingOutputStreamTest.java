package io.github.pipeliningsmtp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DotStuffingOutputStreamTest {

    private static String encode(String content) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DotStuffingOutputStream out = new DotStuffingOutputStream(sink);
        out.write(content.getBytes(StandardCharsets.ISO_8859_1));
        out.finish();
        return sink.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void caseC12BodyIsStuffedNormalisedAndTerminatedOnce() throws IOException {
        String body = ".first line starts with dot\n.\n..\n...\nx\n.foo\n\r\n.\r\n\n.";
        assertThat(encode(body)).isEqualTo(
                "..first line starts with dot\r\n..\r\n...\r\n....\r\nx\r\n..foo\r\n\r\n..\r\n\r\n..\r\n.\r\n");
    }

    @Test
    void normalisesBareCrAndBareLf() throws IOException {
        assertThat(encode("a\rb\nc\r\nd")).isEqualTo("a\r\nb\r\nc\r\nd\r\n.\r\n");
        assertThat(encode("a\r\r\nb")).isEqualTo("a\r\n\r\nb\r\n.\r\n");
        assertThat(encode("a\n\rb")).isEqualTo("a\r\n\r\nb\r\n.\r\n");
        assertThat(encode("end\r")).isEqualTo("end\r\n.\r\n");
    }

    @Test
    void terminatorOnlyWhenContentEndsWithCrlf() throws IOException {
        assertThat(encode("x\r\n")).isEqualTo("x\r\n.\r\n");
        assertThat(encode("")).isEqualTo(".\r\n");
        assertThat(encode("\r\n.\r\n")).isEqualTo("\r\n..\r\n.\r\n");
    }

    @Test
    void dotAfterCrSplitAcrossWrites() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DotStuffingOutputStream out = new DotStuffingOutputStream(sink);
        out.write('a');
        out.write('\r');
        out.write('.');
        out.write(new byte[] {'b', '\r'}, 0, 2);
        out.write('\n');
        out.write('.');
        out.close();
        assertThat(sink.toString(StandardCharsets.US_ASCII)).isEqualTo("a\r\n..b\r\n..\r\n.\r\n");
        assertThatThrownBy(() -> out.write('x')).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unstuffingTheOutputGivesTheNormalisedInputForRandomContent() throws IOException {
        Random random = new Random(7);
        String alphabet = ".\r\nab\u00e9";
        for (int run = 0; run < 500; run++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(200);
            for (int i = 0; i < n; i++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String input = sb.toString();
            String wire = encode(input);
            assertThat(wire).endsWith(".\r\n");
            String normalised = input.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n");
            if (!normalised.isEmpty() && !normalised.endsWith("\r\n")) {
                normalised += "\r\n";
            }
            assertThat(unstuff(wire)).as("input %s", input).isEqualTo(normalised);
            assertThat(wire.indexOf("\r\n.\r\n")).isIn(-1, wire.length() - 5);
        }
    }

    @Test
    void memoryIsConstantForLargeContent() throws IOException {
        long[] count = {0};
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        };
        DotStuffingOutputStream out = new DotStuffingOutputStream(sink);
        byte[] line = "0123456789012345678901234567890123456789012345678901234567890123456789\n"
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 200_000; i++) {
            out.write(line);
        }
        out.finish();
        assertThat(count[0]).isEqualTo(200_000L * (line.length + 1) + 3);
        assertThat(out.octetsWritten()).isEqualTo(count[0]);
    }

    /** RFC 5321 §4.5.2 receiver side: drop the terminator line and the first dot of any line starting with one. */
    static String unstuff(String wire) {
        String body = wire.substring(0, wire.length() - 3);
        StringBuilder sb = new StringBuilder();
        for (String line : body.split("\r\n", -1)) {
            sb.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        String s = sb.toString();
        return s.substring(0, s.length() - 2);
    }
}
