package io.github.pipeliningsmtp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Incremental decoder of SMTP replies (RFC 5321 §4.2): takes bytes as they arrive, in reads of
 * any size, and emits every complete reply in order. A reply may be split at any byte, including
 * inside the code and between CR and LF, and one read may hold several replies.
 *
 * <p>Strict: every line is three digits (first digit 2 to 5), then a space, a hyphen or the end of
 * the line, then CRLF; every line of a multi-line reply has the same code; a line holds at most
 * {@link #DEFAULT_MAX_LINE_LENGTH} octets, a reply at most {@link #DEFAULT_MAX_LINES} lines and at
 * most {@link #DEFAULT_MAX_REPLY_OCTETS} octets in all (CRLFs included), so memory stays bounded
 * whatever the server sends: the octet bound is checked as each byte arrives, before it is kept, so
 * a reply over it is refused after at most that many octets were buffered. Anything else is an
 * {@link SmtpProtocolException} naming the bad line, after which the decoder must not be used again
 * (the connection is retired).
 *
 * <p>Not thread-safe: one decoder per connection, used by the thread that reads.
 */
public final class ReplyDecoder {

    /** Longest accepted line in octets, without CRLF (RFC 5321 §4.5.3.1.5 allows 512; servers exceed it). */
    public static final int DEFAULT_MAX_LINE_LENGTH = 4096;

    /** Most lines accepted in one reply (an EHLO reply with every extension stays far below). */
    public static final int DEFAULT_MAX_LINES = 1000;

    /**
     * Most octets in one reply, every line with its code and CRLF: 64 KiB. A real MTA's EHLO reply is
     * under 1 KB and the longest legitimate multi-line replies (HELP, policy refusals) a few KB, so
     * this leaves a margin of more than ten times, while a hostile server can make a connection hold
     * at most 64 KiB of reply (about 128 KiB as Java strings) instead of 4 MB (1,000 lines of 4 KB).
     */
    public static final int DEFAULT_MAX_REPLY_OCTETS = 64 * 1024;

    private final int maxLineLength;
    private final int maxLines;
    private final int maxReplyOctets;
    private int replyOctets;
    private final byte[] line;
    private int lineLength;
    private boolean crSeen;
    private int currentCode = -1;
    private final List<String> currentLines = new ArrayList<>();

    /** A decoder with the default bounds. */
    public ReplyDecoder() {
        this(DEFAULT_MAX_LINE_LENGTH, DEFAULT_MAX_LINES, DEFAULT_MAX_REPLY_OCTETS);
    }

    /**
     * With the default bound on a reply's octets.
     *
     * @param maxLineLength longest accepted line in octets, without CRLF
     * @param maxLines      most lines in one reply
     */
    public ReplyDecoder(int maxLineLength, int maxLines) {
        this(maxLineLength, maxLines, DEFAULT_MAX_REPLY_OCTETS);
    }

    /**
     * @param maxLineLength  longest accepted line in octets, without CRLF
     * @param maxLines       most lines in one reply
     * @param maxReplyOctets most octets in one reply, CRLFs included; at least {@code maxLineLength + 2}
     *                       is sensible, anything from 5 is accepted
     */
    public ReplyDecoder(int maxLineLength, int maxLines, int maxReplyOctets) {
        if (maxLineLength < 3 || maxLines < 1 || maxReplyOctets < 5) {
            throw new IllegalArgumentException("maxLineLength >= 3, maxLines >= 1 and maxReplyOctets >= 5 required");
        }
        this.maxLineLength = maxLineLength;
        this.maxLines = maxLines;
        this.maxReplyOctets = maxReplyOctets;
        this.line = new byte[maxLineLength];
    }

    /**
     * Decodes {@code len} bytes and hands every reply completed by them to {@code out}, in order.
     *
     * @throws SmtpProtocolException if the bytes break the reply syntax
     */
    public void decode(byte[] buf, int off, int len, Consumer<SmtpReply> out) throws SmtpProtocolException {
        for (int i = off, end = off + len; i < end; i++) {
            byte b = buf[i];
            if (++replyOctets > maxReplyOctets) {
                throw error("reply longer than " + maxReplyOctets + " octets (the bound on one reply)", lineText());
            }
            if (crSeen) {
                if (b != '\n') {
                    throw error("bare CR in reply line", lineText());
                }
                crSeen = false;
                completeLine(out);
            } else if (b == '\r') {
                crSeen = true;
            } else if (b == '\n') {
                throw error("bare LF in reply line", lineText());
            } else {
                if (lineLength == maxLineLength) {
                    throw error("reply line longer than " + maxLineLength + " octets", lineText());
                }
                line[lineLength++] = b;
            }
        }
    }

    /** True when bytes have arrived that do not yet form a complete reply. */
    public boolean hasPartialReply() {
        return lineLength > 0 || crSeen || currentCode != -1;
    }

    private void completeLine(Consumer<SmtpReply> out) throws SmtpProtocolException {
        String text = lineText();
        lineLength = 0;
        if (text.length() < 3 || !isDigit(text.charAt(0), '2', '5') || !isDigit(text.charAt(1), '0', '9')
                || !isDigit(text.charAt(2), '0', '9')) {
            throw error("reply line does not start with a three-digit code", text);
        }
        int code = Integer.parseInt(text.substring(0, 3));
        boolean last;
        if (text.length() == 3) {
            last = true;
        } else if (text.charAt(3) == ' ') {
            last = true;
        } else if (text.charAt(3) == '-') {
            last = false;
        } else {
            throw error("reply code not followed by space or hyphen", text);
        }
        if (currentCode != -1 && code != currentCode) {
            throw error("reply code changed inside a multi-line reply (was " + currentCode + ")", text);
        }
        currentCode = code;
        currentLines.add(text.length() > 4 ? text.substring(4) : "");
        if (last) {
            SmtpReply reply = SmtpReply.of(code, currentLines);
            currentLines.clear();
            currentCode = -1;
            replyOctets = 0;
            out.accept(reply);
        } else if (currentLines.size() >= maxLines) {
            throw error("reply has more than " + maxLines + " lines", text);
        }
    }

    private static boolean isDigit(char c, char min, char max) {
        return c >= min && c <= max;
    }

    private String lineText() {
        return new String(line, 0, lineLength, StandardCharsets.UTF_8);
    }

    private static SmtpProtocolException error(String what, String text) {
        return new SmtpProtocolException(what + ": \"" + Printable.of(text, 123) + "\"");
    }
}
