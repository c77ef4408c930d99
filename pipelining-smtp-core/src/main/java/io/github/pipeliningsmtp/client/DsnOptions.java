package io.github.pipeliningsmtp.client;

import java.util.Set;

/**
 * Delivery status notification requests (RFC 3461), sent only when the server advertises DSN:
 * NOTIFY and ORCPT on each RCPT TO, RET and ENVID on MAIL FROM. Values are xtext-encoded
 * (RFC 3461 §4), so nothing in them can inject a parameter or a command.
 *
 * @param notifyOn when to notify; empty for the server's default; {@code NEVER} alone or any of the others
 * @param ret    how much of the message a DSN returns, or null for the server's default
 * @param envid  the envelope identifier echoed in DSNs, or null
 * @param orcpt  whether to send each recipient's address as ORCPT ({@code rfc822;address}); ASCII addresses only
 */
public record DsnOptions(Set<Notify> notifyOn, Ret ret, String envid, boolean orcpt) {

    /** NOTIFY values. */
    public enum Notify { NEVER, SUCCESS, FAILURE, DELAY }

    /** RET values. */
    public enum Ret { FULL, HDRS }

    /** @throws IllegalArgumentException if NEVER is combined with another value */
    public DsnOptions {
        notifyOn = notifyOn == null ? Set.of() : Set.copyOf(notifyOn);
        if (notifyOn.contains(Notify.NEVER) && notifyOn.size() > 1) {
            throw new IllegalArgumentException("NOTIFY=NEVER cannot be combined with other values (RFC 3461 §4.1)");
        }
    }

    /** xtext (RFC 3461 §4): octets 33..126 but '+' and '=' as they are, others as {@code +XX}. */
    static String xtext(String value) {
        StringBuilder sb = new StringBuilder();
        for (byte b : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 33 && c <= 126 && c != '+' && c != '=') {
                sb.append((char) c);
            } else {
                sb.append('+').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }
}
