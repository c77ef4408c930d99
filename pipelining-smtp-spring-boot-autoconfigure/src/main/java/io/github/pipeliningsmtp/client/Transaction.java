package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.Capabilities;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One mail transaction (RFC 5321 §3.3) and the ledger it fills: the commands are built, and so
 * validated, before anything is written; each reply handler applies the rules of the error model.
 *
 * <ul>
 *   <li>MAIL FROM refused: every recipient fails with the MAIL FROM error; RCPT replies are details.</li>
 *   <li>RCPT TO refused: that recipient fails with its own reply; the others go on (partial delivery).</li>
 *   <li>DATA refused: accepted recipients fail with the DATA error.</li>
 *   <li>End of data: 2yz makes accepted recipients SUCCEEDED, otherwise FAILED.</li>
 *   <li>No reply to the end of data after the terminator may have been written: UNKNOWN.</li>
 * </ul>
 * Used by one thread at a time (the writer thread only marks the content committed).
 */
final class Transaction {

    private final OutgoingMessage message;
    private final MessageLedger ledger;
    private final SmtpCommand mailFrom;
    private final List<SmtpCommand> rcptTo;
    private final SmtpError localError;
    private SmtpError mailError;
    private volatile SmtpError contentError;
    private boolean dataGo;
    private SmtpError firstRefusal;
    private boolean ended;

    /**
     * Builds the commands with the parameters the server's extensions call for: SMTPUTF8 (RFC 6531)
     * when an address or header needs it, SIZE (RFC 1870) with the content's size, BODY=8BITMIME
     * (RFC 6152) for 8-bit content, DSN parameters (RFC 3461). A message that cannot be sent as is
     * (SMTPUTF8 needed but not offered, over the SIZE limit, 8-bit content that cannot be re-encoded
     * for a server without 8BITMIME, content that fails its check) is not started: it fails with
     * {@link FailureType#LOCAL} and nothing of it is written.
     *
     * @throws IllegalArgumentException if an address cannot be written safely
     */
    Transaction(OutgoingMessage message, Capabilities capabilities) {
        this.message = message;
        this.ledger = new MessageLedger(message.envelope());
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
        this.localError = problem;
        this.mailFrom = SmtpCommand.mailFrom(envelope.mailFrom(), mailParams);
        this.rcptTo = envelope.recipients().stream().map(r -> SmtpCommand.rcptTo(r, rcptParams(dsn, r))).toList();
    }

    /** Single-connection convenience without extensions (tests). */
    Transaction(OutgoingMessage message) {
        this(message, Capabilities.NONE);
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
                return SmtpError.local("MAIL FROM", "an address or header needs SMTPUTF8 (RFC 6531), which the server"
                        + " does not offer; nothing was sent", null);
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
                    return SmtpError.local("MAIL FROM", "the content is 8-bit and the server does not offer 8BITMIME"
                            + " (RFC 6152); it could not be re-encoded in 7 bits", null);
                }
            }
            long max = caps.maxSize().orElse(Long.MAX_VALUE);
            if (content.octets() > max) {
                return SmtpError.local("MAIL FROM", "the message is " + content.octets()
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
            return SmtpError.local("DATA (content)", "content could not be read: " + e.getMessage(), e);
        }
    }

    private static SmtpError check(MessageContent content) {
        try {
            content.check();
            return null;
        } catch (MessagingException | RuntimeException e) {
            return SmtpError.local("DATA (content)", "content refused before sending: " + e.getMessage(), e);
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

    /** False when the content failed its check: the transaction is not started at all. */
    boolean sendable() {
        return localError == null;
    }

    MessageLedger ledger() {
        return ledger;
    }

    SmtpCommand mailFromCommand() {
        return mailFrom;
    }

    List<SmtpCommand> rcptToCommands() {
        return rcptTo;
    }

    MessageContent content() {
        return message.content();
    }

    boolean mailAccepted() {
        return mailError == null;
    }

    boolean anyAccepted() {
        return ledger.count(RecipientStatus.ACCEPTED) > 0;
    }

    /** True when every recipient was accepted. */
    boolean allAccepted() {
        return ledger.count(RecipientStatus.ACCEPTED) == ledger.envelope().recipients().size();
    }

    /** All-or-nothing: a recipient was refused, so the accepted ones fail too, with the first refusal as the cause. */
    void abandon() {
        SmtpError cause = firstRefusal != null ? firstRefusal : mailError;
        if (cause != null) {
            ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, SmtpError.abandoned(cause)));
        }
    }

    /** Records that MAIL FROM is about to be written: from now on the message is no longer untouched. */
    void markStarted() {
        ledger.markStarted();
    }

    /** DATA got 354: content (or a lone dot) must follow. */
    boolean dataGo() {
        return dataGo;
    }

    /** Whether the transaction ended with a failure the server may still hold state for: RSET before the next MAIL. */
    boolean needsReset() {
        return !ended;
    }

    ReplyHandler mailHandler() {
        return new ReplyHandler() {
            @Override
            public void onReply(SmtpReply reply) {
                if (!reply.isPositiveCompletion()) {
                    mailError = SmtpError.ofReply(mailFrom.display(), reply);
                }
            }

            @Override
            public void onNoReply(SmtpError error) {
                mailError = contentError != null ? contentError : error;
            }
        };
    }

    ReplyHandler rcptHandler(int index) {
        String display = rcptTo.get(index).display();
        return new ReplyHandler() {
            @Override
            public void onReply(SmtpReply reply) {
                if (mailError != null) {
                    ledger.update(index, r -> r.failed(reply, mailError));
                    if (!reply.isPositiveCompletion()) {
                        ledger.addDetail(SmtpError.ofReply(display, reply));
                    }
                } else if (reply.isPositiveCompletion()) {
                    ledger.update(index, r -> r.accepted(reply));
                } else {
                    SmtpError error = SmtpError.ofReply(display, reply);
                    if (firstRefusal == null) {
                        firstRefusal = error;
                    }
                    ledger.update(index, r -> r.failed(reply, error));
                }
            }

            @Override
            public void onNoReply(SmtpError error) {
                SmtpError why = mailError != null ? mailError : error;
                if (ledger.contentWritten() && (mailError == null || mailError.reply().isEmpty())) {
                    // BDAT streams the content before the RCPT replies are read: with the LAST chunk
                    // written and no refusal heard, the message may have been delivered
                    ledger.update(index, r -> r.unknown(why));
                } else {
                    ledger.update(index, r -> r.failed(null, why));
                }
            }
        };
    }

    ReplyHandler dataHandler() {
        return new ReplyHandler() {
            @Override
            public void onReply(SmtpReply reply) {
                if (reply.code() == 354) {
                    dataGo = true;
                    return;
                }
                SmtpError error = SmtpError.ofReply("DATA", reply);
                if (anyAccepted()) {
                    ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, error));
                } else {
                    ledger.addDetail(error);
                }
            }

            @Override
            public void onNoReply(SmtpError error) {
                ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, error));
            }
        };
    }

    /** Marks the content committed; runs on the writing thread just before the terminator. */
    Runnable beforeTerminator() {
        return ledger::markContentCommitted;
    }

    ReplyHandler endOfDataHandler() {
        return new ReplyHandler() {
            @Override
            public void onReply(SmtpReply reply) {
                ended = true;
                ledger.finalReply(reply);
                if (reply.isPositiveCompletion()) {
                    ledger.updateAll(RecipientStatus.ACCEPTED, RecipientResult::succeeded);
                } else {
                    SmtpError error = SmtpError.ofReply("DATA (end of data)", reply);
                    ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, error));
                }
            }

            @Override
            public void onContentFailure(SmtpError error) {
                contentError = error;
            }

            @Override
            public void onNoReply(SmtpError noReply) {
                SmtpError error = contentError != null ? contentError : noReply;
                if (ledger.contentCommitted()) {
                    ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.unknown(error));
                } else {
                    ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, error));
                }
            }
        };
    }

    /**
     * Replies to this message's BDAT chunks (RFC 3030): a refused chunk fails the accepted recipients
     * with that chunk's reply and stops further chunks; the LAST chunk's 2yz makes them SUCCEEDED.
     * Chunk replies that follow a refusal, or that come when no recipient was accepted, are details.
     */
    ChunkHandler bdatHandler() {
        return new ChunkHandler() {
            private volatile boolean refused;

            @Override
            public void onChunkReply(String display, SmtpReply reply, boolean last) {
                if (last) {
                    ended = true;
                }
                if (display.equals("RSET")) {
                    return;
                }
                if (reply.isPositiveCompletion()) {
                    if (last && !refused) {
                        ledger.finalReply(reply);
                        ledger.updateAll(RecipientStatus.ACCEPTED, RecipientResult::succeeded);
                    }
                    return;
                }
                SmtpError error = SmtpError.ofReply(display, reply);
                if (!refused && anyAccepted()) {
                    ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, error));
                } else {
                    ledger.addDetail(error);
                }
                if (last) {
                    ledger.finalReply(reply);
                }
                refused = true;
            }

            @Override
            public boolean refused() {
                return refused;
            }

            @Override
            public void onContentFailure(SmtpError error) {
                contentError = error;
            }

            @Override
            public void onNoReply(SmtpError error) {
                endOfDataHandler().onNoReply(error);
            }
        };
    }

    /** The reply to a lone "." sent because 354 came although no RCPT TO was accepted. */
    ReplyHandler loneDotHandler() {
        return new ReplyHandler() {
            @Override
            public void onReply(SmtpReply reply) {
                ended = true;
                if (!reply.isPositiveCompletion()) {
                    ledger.addDetail(SmtpError.ofReply("DATA (end of data)", reply));
                }
            }

            @Override
            public void onNoReply(SmtpError error) {
                ledger.addDetail(error);
            }
        };
    }

    /**
     * Settles every recipient still PENDING or ACCEPTED as FAILED with {@code reason} (a message the
     * connection never reached, or a transaction cut short before its content). Idempotent.
     */
    void settle(SmtpError reason) {
        SmtpError why = localError != null ? localError : contentError != null ? contentError
                : mailError != null ? mailError : reason;
        ledger.updateAll(RecipientStatus.PENDING, r -> r.failed(null, why));
        ledger.updateAll(RecipientStatus.ACCEPTED, r -> r.failed(null, why));
    }
}
