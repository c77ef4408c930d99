package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.Printable;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The 334 error challenge of a refused AUTH XOAUTH2: base64 of a JSON object such as
 * {@code {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}} (Google's XOAUTH2
 * profile; RFC 7628 §3.2.2 for the same object in OAUTHBEARER). Only its {@code status},
 * {@code schemes} and {@code scope} members are kept, each escaped ({@link Printable}) and at most
 * {@value #MAX_VALUE_LENGTH} characters; the base64 text itself is never kept, and a member that
 * echoes the token sent is replaced by {@code [redacted]}. Immutable.
 */
final class XOAuth2ErrorChallenge {

    static final int MAX_VALUE_LENGTH = 200;
    private static final Pattern MEMBER = Pattern.compile("\"(status|schemes|scope)\"\\s*:\\s*\"([^\"]*)\"");

    private final String status;
    private final String schemes;
    private final String scope;

    private XOAuth2ErrorChallenge(String status, String schemes, String scope) {
        this.status = status;
        this.schemes = schemes;
        this.scope = scope;
    }

    /**
     * Decodes the challenge; members it cannot find (or text that is not base64) are null. A member
     * containing {@code tokenSent} (a hostile server echoing it) is {@code [redacted]}.
     */
    static XOAuth2ErrorChallenge decode(SmtpReply challenge, String tokenSent) {
        String json;
        try {
            json = new String(Base64.getMimeDecoder().decode(challenge.text().trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return new XOAuth2ErrorChallenge(null, null, null);
        }
        String status = null;
        String schemes = null;
        String scope = null;
        Matcher m = MEMBER.matcher(json);
        while (m.find()) {
            String raw = m.group(2);
            String value = tokenSent != null && !tokenSent.isEmpty() && raw.contains(tokenSent) ? "[redacted]" : bounded(raw);
            switch (m.group(1)) {
                case "status" -> status = value;
                case "schemes" -> schemes = value;
                default -> scope = value;
            }
        }
        return new XOAuth2ErrorChallenge(status, schemes, scope);
    }

    private static String bounded(String value) {
        String shown = value.length() > MAX_VALUE_LENGTH ? value.substring(0, MAX_VALUE_LENGTH) + "..." : value;
        return Printable.of(shown);
    }

    String status() {
        return status;
    }

    String schemes() {
        return schemes;
    }

    String scope() {
        return scope;
    }

    /** For example {@code status 401, schemes bearer, scope https://mail.google.com/}; "no status" when none was decoded. */
    String describe() {
        List<String> parts = new ArrayList<>(3);
        if (status != null) {
            parts.add("status " + status);
        }
        if (schemes != null) {
            parts.add("schemes " + schemes);
        }
        if (scope != null) {
            parts.add("scope " + scope);
        }
        return parts.isEmpty() ? "no status decoded" : String.join(", ", parts);
    }
}
