package io.github.pipeliningsmtp.client;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What AUTH (RFC 4954) sends: a username with a password (PLAIN, LOGIN) or with an OAuth 2 bearer
 * token from a supplier, asked at every authentication (XOAUTH2). {@link #toString()} never shows
 * the secret.
 */
public final class Credentials {

    private final String username;
    private final String password;
    private final Supplier<String> tokenSupplier;

    private Credentials(String username, String password, Supplier<String> tokenSupplier) {
        this.username = Objects.requireNonNull(username, "username");
        this.password = password;
        this.tokenSupplier = tokenSupplier;
    }

    /** Username and password for PLAIN or LOGIN. */
    public static Credentials password(String username, String password) {
        return new Credentials(username, Objects.requireNonNull(password, "password"), null);
    }

    /** Username and an OAuth 2 access token supplier for XOAUTH2; the supplier is called at each AUTH. */
    public static Credentials oauth2(String username, Supplier<String> tokenSupplier) {
        return new Credentials(username, null, Objects.requireNonNull(tokenSupplier, "tokenSupplier"));
    }

    /** The username. */
    public String username() {
        return username;
    }

    /** True when these are OAuth 2 credentials (XOAUTH2). */
    public boolean isOAuth2() {
        return tokenSupplier != null;
    }

    String password() {
        return password;
    }

    String token() {
        return Objects.requireNonNull(tokenSupplier.get(), "OAuth 2 token supplier returned null");
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", " + (isOAuth2() ? "token" : "password") + "=****]";
    }
}
