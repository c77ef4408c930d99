package io.github.pipeliningsmtp.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FastSmtpSinkTest {

    private static String readReply(BufferedReader in) throws Exception {
        StringBuilder b = new StringBuilder();
        String line;
        do {
            line = in.readLine();
            b.append(line).append('\n');
        } while (line.length() > 3 && line.charAt(3) == '-');
        return b.toString();
    }

    @Test
    void pipelinedGroupIsAnsweredInOrderAndContentIsUnstuffed() throws Exception {
        List<ByteArrayOutputStream> captured = new ArrayList<>();
        try (FastSmtpSink sink = FastSmtpSink.start(); Socket s = new Socket("127.0.0.1", sink.port())) {
            sink.captureTo(() -> {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                captured.add(b);
                return b;
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertThat(readReply(in)).startsWith("220");
            out.write("EHLO me\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readReply(in)).contains("PIPELINING").doesNotContain("CHUNKING");
            out.write(("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readReply(in)).startsWith("250");
            assertThat(readReply(in)).startsWith("250");
            assertThat(readReply(in)).startsWith("250");
            assertThat(readReply(in)).startsWith("354");
            // content split in odd places, with a stuffed dot and a lone ".\r" in a line
            String wire = "Subject: x\r\n\r\n..leading dot\r\nline\r\n.\r\nMAIL FROM:<a@b>\r\n";
            for (int i = 0; i < wire.length(); i += 3) {
                out.write(wire.substring(i, Math.min(wire.length(), i + 3)).getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            assertThat(readReply(in)).startsWith("250");
            assertThat(readReply(in)).startsWith("250");
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readReply(in)).startsWith("221");
            assertThat(sink.messages()).isEqualTo(1);
            assertThat(sink.bdatMessages()).isZero();
            assertThat(sink.recipients()).isEqualTo(2);
            assertThat(captured.get(0).toString(StandardCharsets.US_ASCII))
                    .isEqualTo("Subject: x\r\n\r\n.leading dot\r\nline\r\n");
        }
    }

    @Test
    void chunkingVariantTakesBdatOctetsAsSent() throws Exception {
        List<ByteArrayOutputStream> captured = new ArrayList<>();
        try (FastSmtpSink sink = FastSmtpSink.startWithChunking(); Socket s = new Socket("127.0.0.1", sink.port())) {
            sink.captureTo(() -> {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                captured.add(b);
                return b;
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            readReply(in);
            out.write("EHLO me\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readReply(in)).contains("CHUNKING");
            out.write("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 5\r\n.\r\nabBDAT 3 LAST\r\nxyz".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 4; i++) {
                assertThat(readReply(in)).startsWith("250");
            }
            assertThat(sink.messages()).isEqualTo(1);
            assertThat(sink.bdatMessages()).isEqualTo(1);
            assertThat(captured.get(0).toString(StandardCharsets.US_ASCII)).isEqualTo(".\r\nabxyz");
        }
    }

    @Test
    void countsRoundTrips() throws Exception {
        try (FastSmtpSink sink = FastSmtpSink.start(); Socket s = new Socket("127.0.0.1", sink.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            readReply(in);
            out.write("EHLO me\r\n".getBytes(StandardCharsets.US_ASCII));
            readReply(in);
            out.write("NOOP\r\nNOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            readReply(in);
            readReply(in);
            assertThat(sink.roundTrips()).isEqualTo(2);
        }
    }
}
