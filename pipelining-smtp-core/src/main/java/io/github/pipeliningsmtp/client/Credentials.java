package io.github.pipeliningsmtp.client;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What AUTH (RFC 4954) sends: a username with a password (PLAIN, LOGIN) or with an OAuth 2 bearer
 * token from an {@link OAuth2TokenProvider}, asked at every authentication of a new connection
 * (XOAUTH2). {@link #toString()} never shows the secret.
 */
public final class Credentials {

    private final String username;
    private final String password;
    private final OAuth2TokenProvider tokenProvider;

    private Credentials(String username, String password, OAuth2TokenProvider tokenProvider) {
        this.username = Objects.requireNonNull(username, "username");
        this.password = password;
        this.tokenProvider = tokenProvider;
    }

    /** Username and password for PLAIN or LOGIN. */
    public static Credentials password(String username, String password) {
        return new Credentials(username, Objects.requireNonNull(password, "password"), null);
    }

    /**
     * Username and an OAuth 2 access token supplier for XOAUTH2; the supplier is called at each AUTH
     * of a new connection, and again (on a new connection) after the server refused its token.
     * Same as {@code oauth2(username, OAuth2TokenProvider.of(tokenSupplier))}.
     */
    public static Credentials oauth2(String username, Supplier<String> tokenSupplier) {
        return oauth2(username, OAuth2TokenProvider.of(tokenSupplier));
    }

    /**
     * Username and an OAuth 2 token provider for XOAUTH2: asked at each AUTH of a new connection, and
     * told to invalidate a token the server refused (see {@link OAuth2TokenProvider}).
     */
    public static Credentials oauth2(String username, OAuth2TokenProvider tokenProvider) {
        return new Credentials(username, null, Objects.requireNonNull(tokenProvider, "tokenProvider"));
    }

    /** The username. */
    public String username() {
        return username;
    }

    /** True when these are OAuth 2 credentials (XOAUTH2). */
    public boolean isOAuth2() {
        return tokenProvider != null;
    }

    String password() {
        return password;
    }

    /** The token provider of OAuth 2 credentials, null for a password. */
    OAuth2TokenProvider tokenProvider() {
        return tokenProvider;
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", " + (isOAuth2() ? "token" : "password") + "=****]";
    }
}
