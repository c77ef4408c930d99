package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.Capabilities;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The MAIL FROM and RCPT TO commands of one transaction, built (and so validated) before anything
 * is written, with the parameters the server's extensions call for: SMTPUTF8 (RFC 6531) when an
 * address or header needs it, SIZE (RFC 1870) with the content's size, BODY=8BITMIME (RFC 6152) for
 * 8-bit content, DSN parameters (RFC 3461). A message that cannot be sent as is (SMTPUTF8 needed
 * but not offered, over the SIZE limit, 8-bit content that cannot be re-encoded for a server
 * without 8BITMIME, content that fails its check) gets a {@link FailureType#LOCAL} error instead,
 * and nothing of it is written.
 *
 * @param mailFrom   MAIL FROM with its parameters
 * @param rcptTo     one RCPT TO per envelope recipient, in order
 * @param localError why the message cannot be sent, or null
 */
record TransactionCommands(SmtpCommand mailFrom, List<SmtpCommand> rcptTo, SmtpError localError) {

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
        SmtpCommand mailFrom = SmtpCommand.mailFrom(envelope.mailFrom(), mailParams);
        List<SmtpCommand> rcptTo = envelope.recipients().stream()
                .map(r -> SmtpCommand.rcptTo(r, rcptParams(dsn, r))).toList();
        return new TransactionCommands(mailFrom, rcptTo, problem);
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
        boolean utf8 = !isAscii(envelope.mailFrom()) || envelope.recipients().stream().anyMatch(r -> !isAscii(r))
                || message.content().needsSmtpUtf8();
        if (utf8) {
            if (!caps.smtpUtf8()) {
                return SmtpError.local(SmtpStep.MAIL_FROM, "an address or header needs SMTPUTF8 (RFC 6531), which the"
                        + " server does not offer; nothing was sent", null);
            }
            mailParams.put("SMTPUTF8", null);
        }
        boolean scan = message.content().repeatable() && (caps.maxSize().isPresent() || !caps.eightBitMime());
        if (!scan) {
            if (caps.eightBitMime()) {
                mailParams.put("BODY", "8BITMIME");
            }
            return null;
        }
        try {
            ContentScan content = ContentScan.of(message.content());
            if (content.eightBit() && !caps.eightBitMime()) {
                if (!message.content().convertToSevenBit() || (content = ContentScan.of(message.content())).eightBit()) {
                    return SmtpError.local(SmtpStep.MAIL_FROM, "the content is 8-bit and the server does not offer"
                            + " 8BITMIME (RFC 6152); it could not be re-encoded in 7 bits", null);
                }
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
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }
}
