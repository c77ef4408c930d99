package io.github.pipeliningsmtp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One reply holds at most {@link ReplyDecoder#DEFAULT_MAX_REPLY_OCTETS} octets (issue 12, item 2):
 * the decoder refuses the octet past the bound as it arrives, so a 4 MB reply (999 lines of 4 KB)
 * costs at most 64 KiB of buffer per connection, and an EHLO reply with a thousand keywords keeps
 * at most {@link Capabilities#MAX_KEYWORDS}. This stands in for the "4 MB reply x 8 under -Xmx64m"
 * check: what is never buffered cannot exhaust the heap.
 */
class ReplySizeBoundTest {

    private static final byte[] LINE = ("250-" + "x".repeat(1018) + "\r\n").getBytes(StandardCharsets.US_ASCII);

    @Test
    void aReplyAtTheBoundIsAccepted() throws Exception {
        int max = ReplyDecoder.DEFAULT_MAX_REPLY_OCTETS;
        ReplyDecoder decoder = new ReplyDecoder();
        List<SmtpReply> out = new ArrayList<>();
        int lines = max / LINE.length - 1;                       // 63 lines of 1,024 octets
        for (int i = 0; i < lines; i++) {
            decoder.decode(LINE, 0, LINE.length, out::add);
        }
        int rest = max - lines * LINE.length;                    // the last line fills the bound exactly
        byte[] last = ("250 " + "y".repeat(rest - 6) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        decoder.decode(last, 0, last.length, out::add);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).lines()).hasSize(lines + 1);
        decoder.decode("250 next\r\n".getBytes(StandardCharsets.US_ASCII), 0, 10, out::add);
        assertThat(out).hasSize(2);                              // the count starts again for each reply
    }

    @Test
    void theOctetPastTheBoundIsRefusedAsItArrives() throws Exception {
        int max = ReplyDecoder.DEFAULT_MAX_REPLY_OCTETS;
        ReplyDecoder decoder = new ReplyDecoder();
        byte[] oneByte = new byte[1];
        long fed = 0;
        try {
            while (true) {
                oneByte[0] = LINE[(int) (fed % LINE.length)];
                decoder.decode(oneByte, 0, 1, r -> { });
                fed++;
            }
        } catch (SmtpProtocolException e) {
            assertThat(e).hasMessageContaining("reply longer than " + max + " octets");
        }
        assertThat(fed).isEqualTo(max);
    }

    @Test
    void aFourMegabyteReplyIsRefusedAfterTheBoundWithoutReadingTheRest() {
        // 999 lines of 4,096 octets, fed in 16 KiB reads like Wire does: refused within the fifth read
        byte[] line = ("250-" + "z".repeat(4092) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] read = new byte[16 * 1024];
        ReplyDecoder decoder = new ReplyDecoder();
        int[] reads = {0};
        assertThatThrownBy(() -> {
            long offset = 0;
            for (int r = 0; r < 999 * line.length / read.length; r++) {
                for (int i = 0; i < read.length; i++, offset++) {
                    read[i] = line[(int) (offset % line.length)];
                }
                reads[0]++;
                decoder.decode(read, 0, read.length, x -> { });
            }
        }).isInstanceOf(SmtpProtocolException.class).hasMessageContaining("65536 octets");
        assertThat(reads[0]).isEqualTo(ReplyDecoder.DEFAULT_MAX_REPLY_OCTETS / read.length + 1);
    }

    @Test
    void anEhloReplyWithAThousandKeywordsKeepsTheFirstHundred() {
        List<String> lines = new ArrayList<>();
        lines.add("mail.example.com");
        for (int i = 0; i < 998; i++) {
            lines.add("X-EXT" + i + " " + "p ".repeat(200));
        }
        lines.add("PIPELINING");
        Capabilities c = Capabilities.fromEhloReply(SmtpReply.of(250, lines));
        assertThat(c.keywords()).hasSize(Capabilities.MAX_KEYWORDS);
        assertThat(c.parameters("X-EXT0")).hasSize(Capabilities.MAX_PARAMETERS);
        assertThat(c.pipelining()).as("advertised after the bound: not used").isFalse();
    }

    @Test
    void repeatedAuthLinesKeepAtMostTheParameterBound() {
        List<String> lines = new ArrayList<>();
        lines.add("mail.example.com");
        for (int i = 0; i < 900; i++) {
            lines.add("AUTH=M" + i + " PLAIN LOGIN");
        }
        Capabilities c = Capabilities.fromEhloReply(SmtpReply.of(250, lines));
        assertThat(c.parameters("AUTH")).hasSize(Capabilities.MAX_PARAMETERS);
        assertThat(c.keywords()).containsExactly("AUTH");
    }
}
