package io.github.pipeliningsmtp.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The bytes of one reply step of an {@link SmtpScript} and how they go on the wire: in one write
 * (default), after a delay, or split across several writes at given byte offsets with a gap between
 * them (so the client's reads see partial replies). Immutable; the {@code with}-style methods return
 * copies.
 */
public final class ScriptedReply {

    /** The default gap between the writes of a split reply. */
    public static final Duration DEFAULT_GAP = Duration.ofMillis(20);

    private final byte[] bytes;
    private final String text;
    private final int[] splits;
    private final Duration delay;
    private final Duration gap;

    private ScriptedReply(byte[] bytes, String text, int[] splits, Duration delay, Duration gap) {
        this.bytes = bytes;
        this.text = text;
        this.splits = splits;
        this.delay = delay;
        this.gap = gap;
    }

    /** The lines, each followed by CRLF, e.g. {@code of("250-a", "250 b")}; several replies may go in one. */
    public static ScriptedReply of(String... lines) {
        return of(List.of(lines));
    }

    /** The lines, each followed by CRLF. */
    public static ScriptedReply of(List<String> lines) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one line");
        }
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(Objects.requireNonNull(line)).append("\r\n");
        }
        return raw(text.toString());
    }

    /** Exactly these characters (UTF-8), without adding line ends: for malformed or partial replies. */
    public static ScriptedReply raw(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a reply needs at least one byte");
        }
        return new ScriptedReply(bytes, text, new int[0], Duration.ZERO, DEFAULT_GAP);
    }

    /**
     * Writes the reply in several writes, cut before each offset (strictly increasing, each between 1
     * and the length - 1), with {@link #gap} between the writes.
     *
     * @throws IllegalArgumentException for an offset out of range or out of order
     */
    public ScriptedReply splitAt(int... offsets) {
        int previous = 0;
        for (int offset : offsets) {
            if (offset <= previous || offset >= bytes.length) {
                throw new IllegalArgumentException("split offsets must increase within 1.." + (bytes.length - 1)
                        + ": " + Arrays.toString(offsets));
            }
            previous = offset;
        }
        return new ScriptedReply(bytes, text, offsets.clone(), delay, gap);
    }

    /** Sleeps this long between the writes of a split reply (default {@link #DEFAULT_GAP}, 20 ms). */
    public ScriptedReply gap(Duration gap) {
        return new ScriptedReply(bytes, text, splits, delay, requireNonNegative(gap));
    }

    /** Sleeps this long before writing the first byte (default zero). */
    public ScriptedReply delay(Duration delay) {
        return new ScriptedReply(bytes, text, splits, requireNonNegative(delay), gap);
    }

    /** Returns a copy of the bytes written. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Whether the reply starts with a 2 (a positive completion reply). */
    boolean positive() {
        return bytes[0] == '2';
    }

    void writeTo(ServerSession session) throws IOException, InterruptedException {
        if (!delay.isZero()) {
            session.pause(delay);
        }
        int from = 0;
        for (int i = 0; i <= splits.length; i++) {
            int to = i < splits.length ? splits[i] : bytes.length;
            if (i > 0 && !gap.isZero()) {
                session.pause(gap);
            }
            session.write(Arrays.copyOfRange(bytes, from, to));
            from = to;
        }
    }

    private static Duration requireNonNegative(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("negative duration: " + duration);
        }
        return duration;
    }

    /** Returns e.g. {@code reply "250 Ok\r\n" split at [3] after PT0.1S}. */
    @Override
    public String toString() {
        String shown = text.replace("\r", "\\r").replace("\n", "\\n");
        return "reply \"" + shown + "\"" + (splits.length > 0 ? " split at " + Arrays.toString(splits) : "")
                + (delay.isZero() ? "" : " after " + delay);
    }
}
