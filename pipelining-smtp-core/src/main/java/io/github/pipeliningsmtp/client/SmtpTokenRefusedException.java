package io.github.pipeliningsmtp.client;

import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import java.util.Optional;

/**
 * The server refused the OAuth 2 access token sent with AUTH XOAUTH2: a 535 reply (RFC 4954 §6),
 * usually after the 334 error challenge whose JSON says why (e.g. {@code "status":"401"} for an
 * expired or revoked token). Thrown by {@link SmtpConnection#open} only once the token was
 * invalidated and a fresh one was refused too, on a new connection ({@link #afterFreshToken()}).
 * The error is {@link FailureType#CONFIGURATION}: nothing was sent.
 *
 * <p>The message names the reply and the decoded status, schemes and scope of the error challenge,
 * for example {@code SMTP authentication failed: {AUTH XOAUTH2, 535 5.7.8 Username and Password not
 * accepted}: the OAuth 2 access token was refused again after a fresh one was fetched (error
 * challenge: status 401, schemes bearer, scope https://mail.google.com/)}. It never contains the
 * token nor the base64 text of the challenge.
 */
public class SmtpTokenRefusedException extends SmtpAuthenticationException {

    private static final long serialVersionUID = 1L;

    private final String status;
    private final String schemes;
    private final String scope;
    private final boolean afterFreshToken;
    private final transient SmtpReply reply;
    private final transient XOAuth2ErrorChallenge challenge;

    SmtpTokenRefusedException(SmtpReply reply, XOAuth2ErrorChallenge challenge, boolean afterFreshToken) {
        super(message(reply, challenge, afterFreshToken), SmtpError.ofReply(SmtpStep.AUTH, "AUTH XOAUTH2", reply,
                FailureType.CONFIGURATION), null);
        this.status = challenge == null ? null : challenge.status();
        this.schemes = challenge == null ? null : challenge.schemes();
        this.scope = challenge == null ? null : challenge.scope();
        this.afterFreshToken = afterFreshToken;
        this.reply = reply;
        this.challenge = challenge;
    }

    private static String message(SmtpReply reply, XOAuth2ErrorChallenge challenge, boolean afterFreshToken) {
        String error = SmtpError.ofReply(SmtpStep.AUTH, "AUTH XOAUTH2", reply, FailureType.CONFIGURATION).toString();
        return "SMTP authentication failed: " + error + ": the OAuth 2 access token was refused"
                + (afterFreshToken ? " again after a fresh one was fetched" : "")
                + " (error challenge: " + (challenge == null ? "none" : challenge.describe()) + ")";
    }

    /** This refusal, as the one of the fresh token that replaced an invalidated one. */
    SmtpTokenRefusedException afterFreshTokenRefused() {
        return new SmtpTokenRefusedException(reply, challenge, true);
    }

    /** The {@code status} of the error challenge (e.g. {@code 401}), escaped; empty without challenge. */
    public Optional<String> status() {
        return Optional.ofNullable(status);
    }

    /** The {@code schemes} of the error challenge (e.g. {@code bearer}), escaped. */
    public Optional<String> schemes() {
        return Optional.ofNullable(schemes);
    }

    /** The {@code scope} of the error challenge (e.g. {@code https://mail.google.com/}), escaped. */
    public Optional<String> scope() {
        return Optional.ofNullable(scope);
    }

    /** True when a fresh token (fetched after the first was invalidated) was refused too. */
    public boolean afterFreshToken() {
        return afterFreshToken;
    }
}
