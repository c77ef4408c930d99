package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpCommand;
import java.net.IDN;
import java.nio.charset.StandardCharsets;

/**
 * How one envelope address goes on the wire, or why it cannot, decided before anything is written.
 *
 * <ul>
 *   <li>Without SMTPUTF8 (RFC 6531) an internationalised domain is written as IDNA A-labels
 *       (RFC 5890 §2.3.2.1, RFC 5891 §5; {@link IDN#toASCII(String)}, which implements IDNA2003 and
 *       agrees with IDNA2008 for the usual names); a non-ASCII local part has no ASCII form and
 *       cannot be sent. With SMTPUTF8 the address goes as given, in UTF-8.</li>
 *   <li>The RFC 5321 §4.5.3.1 limits, counted in octets of the form written: local part 64
 *       (§4.5.3.1.1), domain 255 (§4.5.3.1.2), path 256 including the angle brackets (§4.5.3.1.3),
 *       and the command line 512 including the verb, the parameters and CRLF (§4.5.3.1.4, see
 *       {@link #lineProblem}).</li>
 * </ul>
 *
 * <p>The ledger keeps the address as the caller gave it; only the command carries this form.
 *
 * @param wire    the form to write, or null when {@code problem} is set
 * @param problem why the address cannot be written (names the limit and the length), or null
 */
record EnvelopeAddress(String wire, String problem) {

    static final int MAX_LOCAL_PART = 64;
    static final int MAX_DOMAIN = 255;
    static final int MAX_PATH = 256;
    static final int MAX_COMMAND_LINE = 512;

    /**
     * @param address  as given ({@code ""} for the null reverse-path, which is always allowed)
     * @param smtpUtf8 whether the server offers SMTPUTF8
     */
    static EnvelopeAddress of(String address, boolean smtpUtf8) {
        if (address.isEmpty()) {
            return new EnvelopeAddress(address, null);
        }
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? "" : address.substring(at + 1);
        if (!smtpUtf8) {
            if (!isAscii(local)) {
                return refused("the local part is not ASCII and the server does not offer SMTPUTF8 (RFC 6531);"
                        + " only a domain has an ASCII form (IDNA A-labels)");
            }
            if (!isAscii(domain)) {
                try {
                    domain = IDN.toASCII(domain);
                } catch (IllegalArgumentException e) {
                    return refused("the domain has no IDNA A-label form (RFC 5891) and the server does not offer"
                            + " SMTPUTF8 (RFC 6531): " + e.getMessage());
                }
            }
        }
        String wire = at < 0 ? local : local + "@" + domain;
        String tooLong = over("local part", octets(local), MAX_LOCAL_PART, "4.5.3.1.1");
        if (tooLong == null) {
            tooLong = over("domain", octets(domain), MAX_DOMAIN, "4.5.3.1.2");
        }
        if (tooLong == null) {
            tooLong = over("path", octets(wire) + 2, MAX_PATH, "4.5.3.1.3");
        }
        return tooLong == null ? new EnvelopeAddress(wire, null) : refused(tooLong);
    }

    /** Why {@code command} is over the 512-octet command line (RFC 5321 §4.5.3.1.4), or null. */
    static String lineProblem(SmtpCommand command) {
        return over("command line (with its parameters and CRLF)", command.bytes().length, MAX_COMMAND_LINE,
                "4.5.3.1.4");
    }

    private static String over(String what, int octets, int limit, String section) {
        return octets <= limit ? null : "the " + what + " is " + octets + " octets, over the limit of " + limit
                + " octets (RFC 5321 §" + section + ")";
    }

    private static EnvelopeAddress refused(String problem) {
        return new EnvelopeAddress(null, problem);
    }

    private static int octets(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }
}
