package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.protocol.Capabilities;
import io.github.pipeliningsmtp.protocol.SmtpCommand;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * AUTH (RFC 4954) with PLAIN (RFC 4616, initial response), LOGIN (never an initial response: strict
 * servers refuse {@code AUTH LOGIN <base64 user>}, so the username goes after the first 334 and the
 * password after the second), or XOAUTH2 (an error challenge is
 * answered with an empty line and the final reply reported; a 535 is a refused token, thrown as
 * {@link SmtpTokenRefusedException} with the decoded status of the challenge and the token kept
 * here for {@link #tokenSent()}, so that the opener can invalidate it). Each step waits for its reply.
 * Refused over an unencrypted connection unless explicitly allowed. SASL data never reaches a log
 * or an exception: commands carrying it print as {@code ****}.
 */
final class Authenticator {

    private final SessionSetup session;
    private final ConnectionSettings settings;
    private String tokenSent;

    Authenticator(SessionSetup session, ConnectionSettings settings) {
        this.session = session;
        this.settings = settings;
    }

    void authenticate(Capabilities capabilities, boolean encrypted) throws IOException {
        if (!encrypted && !settings.allowPlaintextAuth()) {
            String why = "AUTH refused over an unencrypted connection: use STARTTLS or"
                    + " implicit TLS, or allow plaintext AUTH explicitly";
            throw new SmtpSecurityException(why, SmtpError.configuration(SmtpStep.AUTH, null, why, null));
        }
        Credentials credentials = settings.credentials();
        String mechanism = choose(capabilities.authMechanisms(), credentials);
        SmtpReply reply = switch (mechanism) {
            case "PLAIN" -> step(SmtpCommand.auth("PLAIN",
                    base64("\0" + credentials.username() + "\0" + credentials.password())));
            case "LOGIN" -> login(credentials);
            case "XOAUTH2" -> xoauth2(credentials);
            default -> throw new SmtpAuthenticationException("unsupported SASL mechanism " + mechanism);
        };
        if (reply.code() == 334) {
            // a further challenge we cannot answer: cancel the exchange (RFC 4954 §4)
            reply = step(SmtpCommand.saslResponse("*"));
        }
        if (reply.code() != 235) {
            // 5yz (535 5.7.8 credentials invalid) stays until the credentials change; 4yz (454 4.7.0) may pass later
            throw new SmtpAuthenticationException(SmtpError.ofReply(SmtpStep.AUTH, "AUTH " + mechanism, reply,
                    reply.isTransientNegative() ? FailureType.TRANSIENT : FailureType.CONFIGURATION));
        }
    }

    private SmtpReply login(Credentials credentials) throws IOException {
        SmtpReply reply = step(SmtpCommand.auth("LOGIN", null));
        if (reply.code() != 334) {
            return reply;
        }
        reply = step(SmtpCommand.saslResponse(base64(credentials.username())));
        if (reply.code() != 334) {
            return reply;
        }
        return step(SmtpCommand.saslResponse(base64(credentials.password())));
    }

    private SmtpReply xoauth2(Credentials credentials) throws IOException {
        String token = fetchToken(credentials.tokenProvider());
        tokenSent = token;
        SmtpReply reply = step(SmtpCommand.auth("XOAUTH2",
                base64("user=" + credentials.username() + "\u0001auth=Bearer " + token + "\u0001\u0001")));
        XOAuth2ErrorChallenge challenge = null;
        if (reply.code() == 334) {
            // the challenge is an error description; an empty response asks for the final reply
            challenge = XOAuth2ErrorChallenge.decode(reply, token);
            reply = step(SmtpCommand.saslResponse(""));
        }
        if (reply.code() == 535 || challenge != null && reply.isPermanentNegative()) {
            throw new SmtpTokenRefusedException(reply, challenge, false);
        }
        return reply;
    }

    private static String fetchToken(OAuth2TokenProvider provider) throws SmtpAuthenticationException {
        String token;
        try {
            token = provider.token();
        } catch (RuntimeException e) {
            // the exception's class only: a provider's message is not known to be free of secrets
            String why = "no OAuth 2 access token: the token provider failed: " + e.getClass().getName();
            // an I/O failure underneath (the token endpoint unreachable) may pass; anything else is configuration
            SmtpError error = causedByIo(e) ? SmtpError.ofConnection(SmtpStep.AUTH, "AUTH XOAUTH2", new IOException(why, e))
                    : SmtpError.configuration(SmtpStep.AUTH, "AUTH XOAUTH2", why, e);
            throw new SmtpAuthenticationException(why, error, e);
        }
        if (token == null || token.isEmpty()) {
            throw new SmtpAuthenticationException("no OAuth 2 access token: the token provider returned none");
        }
        return token;
    }

    private static boolean causedByIo(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** The XOAUTH2 token sent, or null if none was. Never logged nor shown. */
    String tokenSent() {
        return tokenSent;
    }

    private String choose(Set<String> offered, Credentials credentials) throws SmtpAuthenticationException {
        String wanted = settings.authMechanism();
        if (wanted != null) {
            if (!offered.isEmpty() && !offered.contains(wanted)) {
                throw new SmtpAuthenticationException("the server does not offer AUTH " + wanted + " (offered: " + offered + ")");
            }
            return wanted;
        }
        if (credentials.isOAuth2()) {
            if (offered.contains("XOAUTH2")) {
                return "XOAUTH2";
            }
        } else if (offered.contains("PLAIN")) {
            return "PLAIN";
        } else if (offered.contains("LOGIN")) {
            return "LOGIN";
        }
        throw new SmtpAuthenticationException("no supported AUTH mechanism offered by the server (offered: " + offered + ")");
    }

    private SmtpReply step(SmtpCommand command) throws IOException {
        return session.call(command, settings.commandTimeout());
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
