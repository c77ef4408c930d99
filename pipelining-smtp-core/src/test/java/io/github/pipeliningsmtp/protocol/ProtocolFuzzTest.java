package io.github.pipeliningsmtp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property-based fuzzing of the hostile-input surface (issue 7), with fixed seeds so a failure
 * reproduces: {@link ReplyDecoder} fed random bytes, mutated replies and oversized input in random
 * splits, and {@link Capabilities#fromEhloReply} fed whatever it decodes. Properties: the only
 * exception is {@link SmtpProtocolException}; the replies do not depend on how the bytes were split;
 * every emitted line is within the decoder's bounds, and input that never ends a line or a reply is
 * refused within those bounds (memory stays bounded). Then every control character at every
 * position of every command argument (addresses, DSN parameters, EHLO name) is refused before a
 * command exists.
 */
class ProtocolFuzzTest {

    private static final long BUDGET_NANOS = 3_000_000_000L;
    private static final int MAX_LINE = 512;
    private static final int MAX_LINES = 64;

    @Test
    void replyDecoderAndCapabilityParserSurviveRandomInput() {
        long start = System.nanoTime();
        long inputs = 0;
        long bytes = 0;
        long replies = 0;
        long protocolErrors = 0;
        for (long seed = 1; System.nanoTime() - start < BUDGET_NANOS || seed <= 2000; seed++) {
            Random random = new Random(seed);
            byte[] input = generate(random);
            inputs++;
            bytes += input.length;
            Outcome whole = decode(input, new int[] {input.length});
            Outcome split = decode(input, splits(random, input.length));
            Outcome bytewise = input.length <= 2048 ? decode(input, ones(input.length)) : split;
            // the same replies and the same verdict whatever the reads were
            assertThat(split.replies).as("seed %d", seed).isEqualTo(whole.replies);
            assertThat(bytewise.replies).as("seed %d", seed).isEqualTo(whole.replies);
            assertThat(split.error == null).as("seed %d", seed).isEqualTo(whole.error == null);
            replies += whole.replies.size();
            if (whole.error != null) {
                protocolErrors++;
            }
            for (List<String> reply : whole.replies) {
                assertThat(reply.size()).as("seed %d", seed).isBetween(2, MAX_LINES + 1);
                for (int i = 1; i < reply.size(); i++) {
                    assertThat(reply.get(i).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(MAX_LINE * 3);
                }
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("[ProtocolFuzzTest] " + inputs + " inputs (" + bytes + " bytes) in " + millis
                + " ms, each decoded whole, in random splits and byte by byte: " + replies + " replies, "
                + protocolErrors + " inputs refused with SmtpProtocolException, no other exception");
    }

    @Test
    void inputThatNeverEndsALineOrAReplyIsRefusedWithinTheBounds() throws Exception {
        ReplyDecoder decoder = new ReplyDecoder(MAX_LINE, MAX_LINES);
        byte[] chunk = "250-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".getBytes(StandardCharsets.US_ASCII);
        long fed = 0;
        try {
            while (fed < 10_000_000) {
                decoder.decode(chunk, 0, chunk.length, r -> { });
                fed += chunk.length;
            }
        } catch (SmtpProtocolException expected) {
            assertThat(expected.getMessage()).contains("longer than " + MAX_LINE);
        }
        assertThat(fed).isLessThanOrEqualTo(MAX_LINE + chunk.length);

        ReplyDecoder lines = new ReplyDecoder(MAX_LINE, MAX_LINES);
        byte[] line = "250-more\r\n".getBytes(StandardCharsets.US_ASCII);
        int count = 0;
        try {
            while (count < 1_000_000) {
                lines.decode(line, 0, line.length, r -> { });
                count++;
            }
        } catch (SmtpProtocolException expected) {
            assertThat(expected.getMessage()).contains("more than " + MAX_LINES + " lines");
        }
        assertThat(count).isLessThanOrEqualTo(MAX_LINES);
        // the defaults bound a reply to about 4 MB of text
        assertThat((long) ReplyDecoder.DEFAULT_MAX_LINE_LENGTH * ReplyDecoder.DEFAULT_MAX_LINES).isLessThan(5_000_000);
    }

    private record Outcome(List<List<String>> replies, SmtpProtocolException error) {
    }

    /** Decodes in reads of the given sizes; stops at the first protocol error, as a connection would. */
    private static Outcome decode(byte[] input, int[] reads) {
        ReplyDecoder decoder = new ReplyDecoder(MAX_LINE, MAX_LINES);
        List<List<String>> out = new ArrayList<>();
        int off = 0;
        try {
            for (int n : reads) {
                decoder.decode(input, off, n, reply -> out.add(check(reply)));
                off += n;
            }
            return new Outcome(out, null);
        } catch (SmtpProtocolException e) {
            return new Outcome(out, e);
        }
        // any other exception fails the test with the seed in the stack of the caller
    }

    /** Exercises every accessor of the reply and of the capabilities parsed from it. */
    private static List<String> check(SmtpReply reply) {
        assertThat(reply.code()).isBetween(200, 599);
        reply.enhancedStatusCode();
        reply.text();
        reply.toString();
        Capabilities caps = Capabilities.fromEhloReply(reply);
        caps.keywords().forEach(k -> {
            assertThat(caps.has(k)).isTrue();
            caps.parameters(k);
        });
        caps.pipelining();
        caps.chunking();
        caps.startTls();
        caps.maxSize();
        caps.authMechanisms();
        caps.rcptMax();
        caps.mailMax();
        caps.rcptDomainMax();
        caps.toString();
        List<String> lines = reply.lines();
        List<String> flat = new ArrayList<>();
        flat.add(Integer.toString(reply.code()));
        flat.addAll(lines);
        return flat;
    }

    private static final String[] KEYWORDS = {"PIPELINING", "SIZE", "SIZE 10240000", "SIZE -1", "SIZE 99999999999999999999",
        "AUTH PLAIN LOGIN", "AUTH=LOGIN", "AUTH", "CHUNKING", "8BITMIME", "SMTPUTF8", "STARTTLS", "DSN",
        "ENHANCEDSTATUSCODES", "LIMITS RCPTMAX=5 MAILMAX=x RCPTDOMAINMAX=", "LIMITS =1 RCPTMAX", "X-\u00ff\u00fe",
        "", " ", "\t", "mail.test ESMTP"};

    private static byte[] generate(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (r.nextInt(4)) {
            case 0 -> { // random bytes, biased towards the syntax's own characters
                int n = r.nextInt(1200);
                byte[] alphabet = "0123456789 -\r\n\r\n250-2 5.1.1\u0000\t".getBytes(StandardCharsets.ISO_8859_1);
                for (int i = 0; i < n; i++) {
                    out.write(r.nextBoolean() ? alphabet[r.nextInt(alphabet.length)] : r.nextInt(256));
                }
            }
            case 1, 2 -> { // well-formed replies, then mutated
                int replies = 1 + r.nextInt(6);
                for (int k = 0; k < replies; k++) {
                    int code = 200 + r.nextInt(400);
                    int lines = 1 + r.nextInt(r.nextInt(10) == 0 ? MAX_LINES + 4 : 8);
                    for (int i = 0; i < lines; i++) {
                        String text = i == 0 ? "mail.test" : KEYWORDS[r.nextInt(KEYWORDS.length)];
                        if (r.nextInt(20) == 0) {
                            text = "x".repeat(r.nextInt(MAX_LINE + 20));
                        }
                        String line = code + (i == lines - 1 ? " " : "-") + text + "\r\n";
                        out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
                    }
                }
                byte[] b = out.toByteArray();
                if (r.nextBoolean()) {
                    int mutations = 1 + r.nextInt(4);
                    for (int m = 0; m < mutations && b.length > 0; m++) {
                        int at = r.nextInt(b.length);
                        byte[] injected = {'\r', '\n', 0, ' ', '-', '1', '6', (byte) 0xff};
                        b[at] = r.nextBoolean() ? injected[r.nextInt(injected.length)] : (byte) r.nextInt(256);
                    }
                }
                if (r.nextInt(4) == 0) {
                    b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)); // truncated
                }
                return b;
            }
            default -> { // one long line, or a long multi-line reply, maybe unterminated
                int len = r.nextInt(MAX_LINE * 3);
                String line = "250-" + "A".repeat(len);
                for (int i = 0; i < 1 + r.nextInt(MAX_LINES * 2); i++) {
                    out.writeBytes((line.substring(0, Math.min(line.length(), 4 + r.nextInt(MAX_LINE))) + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                }
                if (r.nextBoolean()) {
                    out.writeBytes("250 end\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        return out.toByteArray();
    }

    private static int[] splits(Random r, int length) {
        List<Integer> sizes = new ArrayList<>();
        int left = length;
        while (left > 0) {
            int n = 1 + r.nextInt(Math.min(left, r.nextBoolean() ? 7 : 700));
            sizes.add(n);
            left -= n;
        }
        if (r.nextBoolean()) {
            sizes.add(0); // empty reads happen too
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] ones(int length) {
        int[] a = new int[length];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    // ---- injection points: every control character at every position ----

    private static List<String> withControlCharacterEverywhere(String base) {
        List<String> out = new ArrayList<>();
        for (int pos = 0; pos <= base.length(); pos++) {
            for (char c = 0; c < 0x20; c++) {
                out.add(base.substring(0, pos) + c + base.substring(pos));
            }
            out.add(base.substring(0, pos) + '\u007f' + base.substring(pos));
        }
        return out;
    }

    @Test
    void everyControlCharacterAtEveryPositionOfEveryArgumentIsRefused() {
        int checked = 0;
        for (String address : withControlCharacterEverywhere("rcpt@example.net")) {
            assertThatThrownBy(() -> SmtpCommand.rcptTo(address, Map.of())).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SmtpCommand.mailFrom(address, Map.of())).isInstanceOf(IllegalArgumentException.class);
            checked += 2;
        }
        // DSN (RFC 3461) and other ESMTP parameters: NOTIFY, ORCPT, RET, ENVID, SIZE, BODY, SMTPUTF8
        Map<String, String> dsn = new LinkedHashMap<>();
        dsn.put("NOTIFY", "SUCCESS,FAILURE");
        dsn.put("ORCPT", "rfc822;rcpt@example.net");
        dsn.put("RET", "HDRS");
        dsn.put("ENVID", "QQ314159");
        dsn.put("SIZE", "1024");
        dsn.put("BODY", "8BITMIME");
        for (Map.Entry<String, String> e : dsn.entrySet()) {
            for (String value : withControlCharacterEverywhere(e.getValue())) {
                Map<String, String> params = new LinkedHashMap<>(dsn);
                params.put(e.getKey(), value);
                assertThatThrownBy(() -> SmtpCommand.rcptTo("rcpt@example.net", params))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> SmtpCommand.mailFrom("sender@example.com", params))
                        .isInstanceOf(IllegalArgumentException.class);
                checked += 2;
            }
            for (String key : withControlCharacterEverywhere(e.getKey())) {
                Map<String, String> params = new LinkedHashMap<>();
                params.put(key, e.getValue());
                assertThatThrownBy(() -> SmtpCommand.mailFrom("sender@example.com", params))
                        .isInstanceOf(IllegalArgumentException.class);
                checked++;
            }
        }
        // a value may not smuggle a second parameter or a command either
        assertThatThrownBy(() -> SmtpCommand.rcptTo("a@b", Map.of("NOTIFY", "NEVER ORCPT=x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpCommand.rcptTo("a@b", Map.of("ORCPT", "rfc822;a=b")))
                .isInstanceOf(IllegalArgumentException.class);
        for (String name : withControlCharacterEverywhere("client.example.org")) {
            assertThatThrownBy(() -> SmtpCommand.ehlo(name)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SmtpCommand.helo(name)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ConnectionSettings.builder("mail.example.com", 25).ehloName(name))
                    .isInstanceOf(IllegalArgumentException.class);
            checked += 3;
        }
        // and what is accepted is exactly one line
        byte[] ok = SmtpCommand.rcptTo("rcpt@example.net", dsn).bytes();
        String line = new String(ok, StandardCharsets.UTF_8);
        assertThat(line.indexOf('\r')).isEqualTo(line.length() - 2);
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        System.out.println("[ProtocolFuzzTest] " + checked + " injected arguments refused");
    }
}
