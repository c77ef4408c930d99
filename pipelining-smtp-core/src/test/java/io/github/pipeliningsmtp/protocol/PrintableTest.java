package io.github.pipeliningsmtp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@link Printable} escapes, how, and that it is idempotent and bounded. */
class PrintableTest {

    @Test
    void controlAndLineSeparatorCharactersBecomeVisibleEscapes() {
        assertThat(Printable.of("a\u001b[31mb")).isEqualTo("a\\x1b[31mb");
        assertThat(Printable.of("\u0000\u0007\t\r\n\u007f")).isEqualTo("\\x00\\x07\\x09\\x0d\\x0a\\x7f");
        assertThat(Printable.of("nel\u0085csi\u009b")).isEqualTo("nel\\x85csi\\x9b");
        assertThat(Printable.of("ls\u2028ps\u2029")).isEqualTo("ls\\u2028ps\\u2029");
        assertThat(Printable.of("bidi\u202eisolate\u2066zw\u200bbom\ufeff"))
                .isEqualTo("bidi\\u202eisolate\\u2066zw\\u200bbom\\ufeff");
        assertThat(Printable.of("lone\ud800high")).isEqualTo("lone\\ud800high");
        assertThat(Printable.of("tag\udb40\udc41")).isEqualTo("tag\\udb40\\udc41");
    }

    @Test
    void printableTextIsKeptAsItIs() {
        String text = "550 5.1.1 <user@example.net> Üser ünknown, 用户不存在 \ud83d\udce7 \\x1b";
        assertThat(Printable.of(text)).isSameAs(text);
        assertThat(Printable.of(null)).isEqualTo("null");
    }

    @Test
    void escapingTwiceReadsTheSameAsOnce() {
        String once = Printable.of("a\u001b\u0000\u2028\\b");
        assertThat(Printable.of(once)).isEqualTo(once);
    }

    @Test
    void boundedNeverCutsAnEscapeInHalf() {
        assertThat(Printable.of("abcdef", 10)).isEqualTo("abcdef");
        assertThat(Printable.of("abcdefghijk", 10)).isEqualTo("abcdefg...");
        // "abcde\x1b..." cut at 7 would end inside \x1b: the whole escape goes
        assertThat(Printable.of("abcde\u001bxyzxyz", 10)).isEqualTo("abcde...");
        assertThat(Printable.of("abcd\u2028xyzxyz", 10)).isEqualTo("abcd...");
        assertThat(Printable.of("abcdef\ud83d\udce7xyz", 10)).isEqualTo("abcdef...");
        for (int max = 3; max < 40; max++) {
            String s = Printable.of("\u001b\u2028\u0000x".repeat(10), max);
            assertThat(s.length()).isLessThanOrEqualTo(max);
            assertThat(s).endsWith("...").doesNotContain("\u001b", "\u2028", "\u0000");
            assertThat(s.substring(0, s.length() - 3)).matches("((\\\\x1b)|(\\\\u2028)|(\\\\x00)|x)*");
        }
    }
}
