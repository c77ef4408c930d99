package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.protocol.Capabilities;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.io.IOException;
import java.time.Duration;

/**
 * Opens the session on a connected wire: greeting, EHLO (HELO on 500/502), STARTTLS per the
 * policy, EHLO again over TLS with every capability learnt before forgotten (RFC 3207 §4.2), then
 * AUTH. Each of these commands ends a group: it is written alone and its reply awaited.
 */
final class SessionSetup {

    private final Wire wire;
    private final CommandPipeline pipeline;
    private final ConnectionSettings settings;
    private Authenticator authenticator;

    SessionSetup(Wire wire, CommandPipeline pipeline, ConnectionSettings settings) {
        this.wire = wire;
        this.pipeline = pipeline;
        this.settings = settings;
    }

    /** Runs the set-up and returns the capabilities in effect. The caller closes the wire on failure. */
    Capabilities run() throws IOException {
        SmtpReply greeting = wire.readReply(SmtpStep.GREETING, "greeting", settings.greetingTimeout());
        pipeline.replied("GREETING", greeting);
        if (greeting.code() != 220) {
            throw new SmtpReplyException(SmtpError.ofReply(SmtpStep.GREETING, null, greeting));
        }
        Capabilities capabilities = hello();
        TlsMode mode = settings.tlsMode();
        if (mode == TlsMode.STARTTLS_OPPORTUNISTIC || mode == TlsMode.STARTTLS_REQUIRED) {
            capabilities = startTls(capabilities, mode == TlsMode.STARTTLS_REQUIRED);
        }
        if (settings.credentials() != null) {
            authenticator = new Authenticator(this, settings);
            authenticator.authenticate(capabilities, wire.isTls());
        }
        checkNothingUnasked(null, "after the session set-up, before the first transaction");
        return capabilities;
    }

    /** The XOAUTH2 token sent by {@link #run()}, or null: for invalidating it when the server refused it. */
    String tokenSent() {
        return authenticator == null ? null : authenticator.tokenSent();
    }

    private Capabilities startTls(Capabilities capabilities, boolean required) throws IOException {
        if (!capabilities.startTls()) {
            if (required) {
                throw new SmtpSecurityException("STARTTLS is required but the server did not advertise it",
                        SmtpError.configuration(SmtpStep.STARTTLS, null, "STARTTLS is required but the server"
                                + " did not advertise it (RFC 3207); nothing was sent", null));
            }
            return capabilities;
        }
        SmtpReply reply = call(SmtpCommand.startTls(), settings.commandTimeout());
        if (reply.code() != 220) {
            if (required) {
                throw new SmtpSecurityException("STARTTLS is required but the server refused it: " + reply,
                        SmtpError.ofReply(SmtpStep.STARTTLS, null, reply,
                                reply.isTransientNegative() ? FailureType.TRANSIENT : FailureType.CONFIGURATION));
            }
            return capabilities;
        }
        if (wire.hasUnreadInput()) {
            throw new SmtpProtocolException("unexpected data after the STARTTLS reply (possible command injection);"
                    + " connection aborted");
        }
        wire.startTls(settings, settings.commandTimeout());
        return hello();
    }

    private Capabilities hello() throws IOException {
        SmtpReply reply = call(SmtpCommand.ehlo(settings.ehloName()), settings.commandTimeout());
        if (reply.isPositiveCompletion()) {
            return Capabilities.fromEhloReply(reply);
        }
        if (reply.code() == 500 || reply.code() == 502) {
            SmtpReply helo = call(SmtpCommand.helo(settings.ehloName()), settings.commandTimeout());
            if (helo.isPositiveCompletion()) {
                return Capabilities.NONE;
            }
            throw new SmtpReplyException(SmtpError.ofReply(SmtpStep.HELO, null, helo));
        }
        throw new SmtpReplyException(SmtpError.ofReply(SmtpStep.EHLO, null, reply));
    }

    /**
     * Writes one command alone and waits for its reply. Each of these commands ends a group, so
     * nothing may have arrived before it is written: bytes already there are replies sent before
     * their commands (a server that answers a whole session at once), and pairing them with commands
     * would be guesswork.
     */
    SmtpReply call(SmtpCommand command, Duration timeout) throws IOException {
        checkNothingUnasked(SmtpStep.of(command.verb()), "before " + command.display() + " was written");
        wire.send(command);
        pipeline.countRoundTrip();
        SmtpReply reply = wire.readReply(SmtpStep.of(command.verb()), command.display(), timeout);
        pipeline.replied(command.verb() == SmtpCommand.Verb.AUTH_RESPONSE ? "AUTH" : command.verb().name(), reply);
        return reply;
    }

    private void checkNothingUnasked(SmtpStep step, String when) throws IOException {
        if (wire.hasUnreadInput()) {
            throw new SmtpProtocolException(step, "replies arrived before their"
                    + " commands were written (" + when + "): the server does not wait for commands, so its replies"
                    + " cannot be paired with them; connection aborted");
        }
    }
}
