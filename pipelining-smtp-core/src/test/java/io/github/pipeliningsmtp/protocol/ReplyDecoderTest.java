package io.github.pipeliningsmtp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplyDecoderTest {

    private static final String EHLO = "250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n"
            + "250 AUTH PLAIN LOGIN\r\n";

    private static List<SmtpReply> decodeInPieces(String wire, int[] cuts) throws SmtpProtocolException {
        byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        ReplyDecoder decoder = new ReplyDecoder();
        List<SmtpReply> out = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            decoder.decode(bytes, from, cut - from, out::add);
            from = cut;
        }
        decoder.decode(bytes, from, bytes.length - from, out::add);
        assertThat(decoder.hasPartialReply()).isFalse();
        return out;
    }

    @Test
    void decodesMultiLineReply() throws Exception {
        List<SmtpReply> replies = decodeInPieces(EHLO, new int[0]);
        assertThat(replies).hasSize(1);
        SmtpReply r = replies.get(0);
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.lines()).containsExactly("mail.example.com", "PIPELINING", "SIZE 10485760", "AUTH PLAIN LOGIN");
    }

    @Test
    void decodesSeveralRepliesInOneRead() throws Exception {
        String wire = "250 2.1.0 Ok\r\n550 5.1.1 <b@x>: User unknown\r\n354 End data\r\n";
        List<SmtpReply> replies = decodeInPieces(wire, new int[0]);
        assertThat(replies).extracting(SmtpReply::code).containsExactly(250, 550, 354);
        assertThat(replies.get(1).enhancedStatusCode()).contains("5.1.1");
        assertThat(replies.get(1).text()).isEqualTo("<b@x>: User unknown");
        assertThat(replies.get(2).enhancedStatusCode()).isEmpty();
    }

    @Test
    void replySplitAtEveryByteGivesTheSameResult() throws Exception {
        String wire = EHLO + "250 2.1.0 Ok\r\n451 4.3.0 Try later\r\n";
        List<SmtpReply> whole = decodeInPieces(wire, new int[0]);
        int length = wire.getBytes(StandardCharsets.UTF_8).length;
        for (int cut = 1; cut < length; cut++) {
            assertThat(decodeInPieces(wire, new int[] {cut})).isEqualTo(whole);
        }
        int[] everyByte = new int[length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(decodeInPieces(wire, everyByte)).isEqualTo(whole);
    }

    @Test
    void partialReplyIsReported() throws Exception {
        ReplyDecoder decoder = new ReplyDecoder();
        List<SmtpReply> out = new ArrayList<>();
        byte[] b = "220 ok\r\n250-X".getBytes(StandardCharsets.US_ASCII);
        decoder.decode(b, 0, b.length, out::add);
        assertThat(out).hasSize(1);
        assertThat(decoder.hasPartialReply()).isTrue();
    }

    @Test
    void codeOnlyLineIsAReply() throws Exception {
        assertThat(decodeInPieces("250\r\n", new int[0]).get(0).lines()).containsExactly("");
    }

    @Test
    void rejectsMalformedLinesNamingThem() {
        assertMalformed("25O Ok\r\n", "25O Ok");
        assertMalformed("hello\r\n", "hello");
        assertMalformed("250-a\r\n251 b\r\n", "251 b");
        assertMalformed("250_x\r\n", "250_x");
        assertMalformed("650 x\r\n", "650 x");
        assertMalformed("250 ok\n", "bare LF");
        assertMalformed("250 o\rk\r\n", "bare CR");
        assertMalformed("12\r\n", "12");
    }

    @Test
    void boundsLineLengthAndLineCount() {
        ReplyDecoder decoder = new ReplyDecoder(16, 3);
        byte[] longLine = ("250 " + "x".repeat(20) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> decoder.decode(longLine, 0, longLine.length, r -> { }))
                .isInstanceOf(SmtpProtocolException.class).hasMessageContaining("longer than 16");
        ReplyDecoder decoder2 = new ReplyDecoder(16, 3);
        byte[] many = "250-a\r\n250-b\r\n250-c\r\n250 d\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> decoder2.decode(many, 0, many.length, r -> { }))
                .isInstanceOf(SmtpProtocolException.class).hasMessageContaining("more than 3 lines");
    }

    @Test
    void randomBytesNeverThrowAnythingButProtocolErrors() {
        Random random = new Random(42);
        for (int run = 0; run < 2000; run++) {
            ReplyDecoder decoder = new ReplyDecoder(64, 8);
            byte[] junk = new byte[random.nextInt(300)];
            random.nextBytes(junk);
            if (run % 2 == 0) {
                for (int i = 0; i < junk.length; i++) {
                    junk[i] = (byte) "250- \r\n0123456789x".charAt(random.nextInt(18));
                }
            }
            try {
                int pos = 0;
                while (pos < junk.length) {
                    int n = Math.min(junk.length - pos, 1 + random.nextInt(20));
                    decoder.decode(junk, pos, n, r -> { });
                    pos += n;
                }
            } catch (SmtpProtocolException expected) {
                // the only failure allowed
            }
        }
    }

    private static void assertMalformed(String wire, String named) {
        ReplyDecoder decoder = new ReplyDecoder();
        byte[] b = wire.getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> decoder.decode(b, 0, b.length, r -> { }))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining(named);
    }
}
