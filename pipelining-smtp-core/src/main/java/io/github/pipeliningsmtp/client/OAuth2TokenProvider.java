package io.github.pipeliningsmtp.client;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where XOAUTH2 gets its OAuth 2 access tokens (RFC 6750 bearer tokens), in the style of Spring
 * Security's {@code OAuth2AuthorizedClientManager}: {@link #token()} returns the current token,
 * fetching one when it has none, and {@link #invalidate(String)} is told when a server refused a
 * token, so that the next {@link #token()} fetches a fresh one.
 *
 * <p>Asked only when a new connection authenticates (a pooled connection keeps its session). When
 * AUTH XOAUTH2 is refused with 535 (after the 334 error challenge, whose JSON carries e.g.
 * {@code "status":"401"}), {@link SmtpConnection#open} invalidates the token, asks for a fresh one
 * and authenticates once more on a new connection; a second refusal fails with a
 * {@link SmtpTokenRefusedException}.
 *
 * <p>Threading: called concurrently from every thread that opens a connection. An implementation
 * that caches should fetch once for all callers waiting at the same time (see
 * {@link CachingOAuth2TokenProvider}), and {@link #invalidate(String)} must forget the token only
 * if it is still the current one: several connections that failed with the same expired token
 * then cause one fetch, not one each.
 */
public interface OAuth2TokenProvider {

    /**
     * The access token to send. May block while a token is fetched; bounding that wait is the
     * provider's business (an HTTP client's timeouts).
     *
     * @return the token, never null
     * @throws RuntimeException when no token can be had; the connection is then not opened and
     *                          {@link SmtpConnection#open} throws an {@link SmtpAuthenticationException}
     *                          caused by it, whose message names only the exception's class; its error is
     *                          {@link FailureType#TRANSIENT} when an {@link java.io.IOException} is in the
     *                          cause chain (the token endpoint unreachable), else {@link FailureType#CONFIGURATION}
     */
    String token();

    /**
     * The server refused {@code token} (expired or revoked): forget it if it is still the current
     * token, so that the next {@link #token()} fetches a fresh one; do nothing if it was already
     * replaced. Must not throw.
     *
     * @param token a token this provider returned
     */
    void invalidate(String token);

    /**
     * A provider that asks {@code supplier} at every AUTH and has nothing to invalidate: after a
     * refusal the supplier is simply asked again (it must itself return a fresh token then).
     * Compatible with the former {@code Supplier<String>} credentials.
     */
    static OAuth2TokenProvider of(Supplier<String> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return new OAuth2TokenProvider() {
            @Override
            public String token() {
                return supplier.get();
            }

            @Override
            public void invalidate(String token) {
                // the supplier is asked at every AUTH anyway
            }

            @Override
            public String toString() {
                return "OAuth2TokenProvider[supplier]";
            }
        };
    }
}
