package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.Capabilities;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The MAIL FROM and RCPT TO commands of one transaction, built (and so validated) before anything
 * is written, with the parameters the server's extensions call for: SMTPUTF8 (RFC 6531) when an
 * address or header needs it, SIZE (RFC 1870) with the content's size, BODY=8BITMIME (RFC 6152) for
 * 8-bit content, DSN parameters (RFC 3461). A message that cannot be sent as is (a header needs
 * SMTPUTF8 but it is not offered, over the SIZE limit, 8-bit content that cannot be re-encoded for
 * a server without 8BITMIME, content that fails its check, a content line over 998 octets (RFC 5322
 * §2.1.1) that cannot be re-encoded, a sender over an RFC 5321 §4.5.3.1 limit
 * or with a non-ASCII local part without SMTPUTF8) gets a {@link FailureType#LOCAL} error instead,
 * and nothing of it is written. A recipient that cannot be written ({@link EnvelopeAddress}: over a
 * length limit, or a non-ASCII local part without SMTPUTF8) gets its own LOCAL error at
 * {@link SmtpStep#RCPT_TO} and no command; the others still go. Without SMTPUTF8 internationalised
 * domains are written as IDNA A-labels.
 *
 * @param mailFrom   MAIL FROM with its parameters
 * @param rcptTo     one RCPT TO per envelope recipient, in order; null for a recipient refused locally
 * @param rcptErrors per envelope recipient, why it is refused locally, or null
 * @param localError why the message cannot be sent, or null
 */
record TransactionCommands(SmtpCommand mailFrom, List<SmtpCommand> rcptTo, List<SmtpError> rcptErrors,
                           SmtpError localError) {

    /** @throws IllegalArgumentException if an address cannot be written safely */
    static TransactionCommands of(OutgoingMessage message, Capabilities capabilities) {
        Envelope envelope = message.envelope();
        envelope.checkAddresses();
        Map<String, String> mailParams = new LinkedHashMap<>();
        SmtpError problem = check(message.content());
        if (problem == null) {
            problem = extensions(message, capabilities, mailParams);
        }
        DsnOptions dsn = capabilities.dsn() ? message.dsn() : null;
        if (dsn != null) {
            if (dsn.ret() != null) {
                mailParams.put("RET", dsn.ret().name());
            }
            if (dsn.envid() != null) {
                mailParams.put("ENVID", DsnOptions.xtext(dsn.envid()));
            }
        }
        EnvelopeAddress sender = EnvelopeAddress.of(envelope.mailFrom(), capabilities.smtpUtf8());
        SmtpCommand mailFrom = SmtpCommand.mailFrom(sender.wire() != null ? sender.wire() : envelope.mailFrom(),
                mailParams);
        String senderProblem = sender.problem() != null ? sender.problem() : EnvelopeAddress.lineProblem(mailFrom);
        if (problem == null && senderProblem != null) {
            problem = SmtpError.local(SmtpStep.MAIL_FROM, "MAIL FROM", "the sender cannot be written: "
                    + senderProblem + "; nothing was sent", null);
        }
        List<SmtpCommand> rcptTo = new ArrayList<>();
        List<SmtpError> rcptErrors = new ArrayList<>();
        for (String r : envelope.recipients()) {
            EnvelopeAddress address = EnvelopeAddress.of(r, capabilities.smtpUtf8());
            SmtpCommand rcpt = null;
            String why = address.problem();
            if (why == null) {
                rcpt = SmtpCommand.rcptTo(address.wire(), rcptParams(dsn, address.wire()));
                why = EnvelopeAddress.lineProblem(rcpt);
            }
            rcptTo.add(why == null ? rcpt : null);
            rcptErrors.add(why == null ? null : SmtpError.local(SmtpStep.RCPT_TO, "RCPT TO",
                    "the recipient cannot be written: " + why + "; only this recipient was not sent", null));
        }
        if (problem == null && rcptTo.stream().allMatch(Objects::isNull)) {
            problem = rcptErrors.get(0);
        }
        return new TransactionCommands(mailFrom, Collections.unmodifiableList(rcptTo),
                Collections.unmodifiableList(rcptErrors), problem);
    }

    private static Map<String, String> rcptParams(DsnOptions dsn, String recipient) {
        if (dsn == null) {
            return Map.of();
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (!dsn.notifyOn().isEmpty()) {
            params.put("NOTIFY", dsn.notifyOn().stream().sorted().map(Enum::name).collect(Collectors.joining(",")));
        }
        if (dsn.orcpt() && isAscii(recipient)) {
            params.put("ORCPT", "rfc822;" + DsnOptions.xtext(recipient));
        }
        return params;
    }

    private static SmtpError extensions(OutgoingMessage message, Capabilities caps, Map<String, String> mailParams) {
        Envelope envelope = message.envelope();
        boolean headerUtf8 = message.content().needsSmtpUtf8();
        if (headerUtf8 && !caps.smtpUtf8()) {
            return SmtpError.local(SmtpStep.MAIL_FROM, "a header needs SMTPUTF8 (RFC 6531), which the"
                    + " server does not offer; nothing was sent", null);
        }
        // without SMTPUTF8 the addresses go in ASCII or not at all (EnvelopeAddress)
        if (caps.smtpUtf8() && (headerUtf8 || !isAscii(envelope.mailFrom())
                || envelope.recipients().stream().anyMatch(r -> !isAscii(r)))) {
            mailParams.put("SMTPUTF8", null);
        }
        // repeatable content is always scanned once, for its lines (RFC 5322 §2.1.1); its size and
        // 8-bit octets are used only when SIZE has a limit or 8BITMIME is missing, as before
        boolean measured = caps.maxSize().isPresent() || !caps.eightBitMime();
        if (!message.content().repeatable()) {
            if (caps.eightBitMime()) {
                mailParams.put("BODY", "8BITMIME");
            }
            return null;
        }
        try {
            ContentScan content = ContentScan.of(message.content());
            if (content.longLines()) {
                if (!message.content().reencodeLongLines() || (content = ContentScan.of(message.content())).longLines()) {
                    return SmtpError.local(SmtpStep.DATA_CONTENT, "the content has a line of " + content.longestLine()
                            + " octets, over the limit of " + ContentScan.MAX_LINE + " (RFC 5322 §2.1.1), and it could"
                            + " not be re-encoded with shorter lines; nothing was sent", null);
                }
            }
            if (content.eightBit() && !caps.eightBitMime()) {
                if (!message.content().convertToSevenBit() || (content = ContentScan.of(message.content())).eightBit()) {
                    return SmtpError.local(SmtpStep.MAIL_FROM, "the content is 8-bit and the server does not offer"
                            + " 8BITMIME (RFC 6152); it could not be re-encoded in 7 bits", null);
                }
            }
            if (!measured) {
                if (caps.eightBitMime()) {
                    mailParams.put("BODY", "8BITMIME");
                }
                return null;
            }
            long max = caps.maxSize().orElse(Long.MAX_VALUE);
            if (content.octets() > max) {
                return SmtpError.local(SmtpStep.MAIL_FROM, "the message is " + content.octets()
                        + " octets, over the server's SIZE limit of " + max + " octets (RFC 1870)", null);
            }
            if (caps.size()) {
                mailParams.put("SIZE", Long.toString(content.octets()));
            }
            if (content.eightBit()) {
                mailParams.put("BODY", "8BITMIME");
            }
            return null;
        } catch (IOException | MessagingException | RuntimeException e) {
            return SmtpError.local(SmtpStep.DATA_CONTENT, "content could not be read: " + e.getMessage(), e);
        }
    }

    private static SmtpError check(MessageContent content) {
        try {
            content.check();
            return null;
        } catch (MessagingException | RuntimeException e) {
            return SmtpError.local(SmtpStep.DATA_CONTENT, "content refused before sending: " + e.getMessage(), e);
        }
    }

    private static boolean isAscii(String s) {
        return EnvelopeAddress.isAscii(s);
    }
}
