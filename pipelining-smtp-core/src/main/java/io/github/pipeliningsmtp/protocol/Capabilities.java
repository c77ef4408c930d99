package io.github.pipeliningsmtp.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The service extensions a server advertised in its EHLO reply (RFC 5321 §4.1.1.1): each line after
 * the first is a keyword (case-insensitive) with optional parameters. Unknown keywords are kept.
 * Immutable and thread-safe. After STARTTLS a connection forgets these and sends EHLO again
 * (RFC 3207 §4.2).
 *
 * <p>Bounded whatever the server sends: at most {@link #MAX_KEYWORDS} keywords (the first ones
 * advertised; later lines are ignored, so an extension listed after them is simply not used) and
 * at most {@link #MAX_PARAMETERS} parameters per keyword. The reply itself is bounded by
 * {@link ReplyDecoder#DEFAULT_MAX_REPLY_OCTETS}.
 */
public final class Capabilities {

    /** No extension: what a server that answered HELO, or an EHLO with one line, offers. */
    public static final Capabilities NONE = new Capabilities(Map.of());

    /**
     * Most keywords kept from one EHLO reply: 100. Real MTAs advertise 10 to 20 (Postfix 12, Exim
     * and Exchange about 15); the registry of SMTP service extensions holds fewer than 100.
     */
    public static final int MAX_KEYWORDS = 100;

    /** Most parameters kept for one keyword: 50 (an AUTH line names a handful of SASL mechanisms). */
    public static final int MAX_PARAMETERS = 50;

    private final Map<String, List<String>> keywords;

    private Capabilities(Map<String, List<String>> keywords) {
        this.keywords = keywords;
    }

    /**
     * Parses a positive EHLO reply; the first line (the server's domain and greeting) is skipped.
     * Lines of the form {@code AUTH=LOGIN PLAIN} (pre-standard AUTH) are folded into {@code AUTH}.
     */
    public static Capabilities fromEhloReply(SmtpReply reply) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        List<String> lines = reply.lines();
        for (int i = 1; i < lines.size(); i++) {
            String[] words = lines.get(i).trim().split("[ \t]+");
            if (words.length == 0 || words[0].isEmpty()) {
                continue;
            }
            String keyword = words[0].toUpperCase(Locale.ROOT);
            String key = keyword.startsWith("AUTH=") ? "AUTH" : keyword;
            if (!map.containsKey(key) && map.size() >= MAX_KEYWORDS) {
                continue;
            }
            List<String> params = List.of(words).subList(1, Math.min(words.length, MAX_PARAMETERS + 1));
            if (keyword.startsWith("AUTH=")) {
                List<String> merged = new java.util.ArrayList<>(map.getOrDefault("AUTH", List.of()));
                merged.add(keyword.substring(5));
                merged.addAll(params);
                map.put("AUTH", List.copyOf(merged.subList(0, Math.min(merged.size(), MAX_PARAMETERS))));
            } else if (keyword.equals("AUTH") && map.containsKey("AUTH")) {
                List<String> merged = new java.util.ArrayList<>(map.get("AUTH"));
                merged.addAll(params);
                map.put("AUTH", List.copyOf(merged.subList(0, Math.min(merged.size(), MAX_PARAMETERS))));
            } else {
                map.put(keyword, List.copyOf(params));
            }
        }
        return new Capabilities(Collections.unmodifiableMap(map));
    }

    /** True if the keyword was advertised (case-insensitive). */
    public boolean has(String keyword) {
        return keywords.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    /** The parameters of a keyword as advertised, empty if none or absent. */
    public List<String> parameters(String keyword) {
        return keywords.getOrDefault(keyword.toUpperCase(Locale.ROOT), List.of());
    }

    /** Every advertised keyword, upper case, in advertised order. */
    public Set<String> keywords() {
        return keywords.keySet();
    }

    /** PIPELINING (RFC 2920). */
    public boolean pipelining() {
        return has("PIPELINING");
    }

    /** 8BITMIME (RFC 6152). */
    public boolean eightBitMime() {
        return has("8BITMIME");
    }

    /** SMTPUTF8 (RFC 6531). */
    public boolean smtpUtf8() {
        return has("SMTPUTF8");
    }

    /** CHUNKING, the BDAT command (RFC 3030). */
    public boolean chunking() {
        return has("CHUNKING");
    }

    /** BINARYMIME (RFC 3030). */
    public boolean binaryMime() {
        return has("BINARYMIME");
    }

    /** STARTTLS (RFC 3207). */
    public boolean startTls() {
        return has("STARTTLS");
    }

    /** ENHANCEDSTATUSCODES (RFC 2034). */
    public boolean enhancedStatusCodes() {
        return has("ENHANCEDSTATUSCODES");
    }

    /** DSN (RFC 3461). */
    public boolean dsn() {
        return has("DSN");
    }

    /** SIZE (RFC 1870) advertised, with or without a limit. */
    public boolean size() {
        return has("SIZE");
    }

    /** The fixed maximum message size in octets (RFC 1870); empty when absent, zero or unparsable. */
    public OptionalLong maxSize() {
        List<String> p = parameters("SIZE");
        if (p.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long n = Long.parseLong(p.get(0));
            return n > 0 ? OptionalLong.of(n) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** SASL mechanisms of AUTH (RFC 4954), upper case; also those of the old {@code AUTH=} form. */
    public Set<String> authMechanisms() {
        Set<String> set = new LinkedHashSet<>();
        for (String m : parameters("AUTH")) {
            set.add(m.toUpperCase(Locale.ROOT));
        }
        return Collections.unmodifiableSet(set);
    }

    /** LIMITS RCPTMAX (RFC 9422 §4.2): most recipients per transaction. */
    public OptionalInt rcptMax() {
        return limit("RCPTMAX");
    }

    /** LIMITS MAILMAX (RFC 9422 §4.1): most transactions per session. */
    public OptionalInt mailMax() {
        return limit("MAILMAX");
    }

    /** LIMITS RCPTDOMAINMAX (RFC 9422 §4.3): most recipient domains per transaction. */
    public OptionalInt rcptDomainMax() {
        return limit("RCPTDOMAINMAX");
    }

    private OptionalInt limit(String name) {
        for (String p : parameters("LIMITS")) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).equalsIgnoreCase(name)) {
                try {
                    int n = Integer.parseInt(p.substring(eq + 1));
                    return n > 0 ? OptionalInt.of(n) : OptionalInt.empty();
                } catch (NumberFormatException e) {
                    return OptionalInt.empty();
                }
            }
        }
        return OptionalInt.empty();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Capabilities");
        sb.append(keywords.entrySet().stream()
                .map(e -> e.getValue().isEmpty() ? e.getKey() : e.getKey() + " " + String.join(" ", e.getValue()))
                .toList());
        return Printable.of(sb);
    }
}
