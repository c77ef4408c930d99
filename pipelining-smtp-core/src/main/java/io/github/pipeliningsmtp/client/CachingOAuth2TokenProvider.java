package io.github.pipeliningsmtp.client;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * An {@link OAuth2TokenProvider} that keeps the token a fetcher returned until a server refuses
 * it. The fetcher (a call to the token endpoint) runs at most once at a time: threads that ask
 * while it runs wait for its result instead of fetching too. {@link #invalidate(String)} forgets
 * the token only if it is the one held, so any number of connections refused with the same expired
 * token cause one fetch.
 *
 * <p>No expiry time is known here: a token is used until a server refuses it, which costs one
 * refused AUTH (and one extra connection) per expiry. Thread-safe; a fetcher's exception reaches
 * the caller of {@link #token()} and nothing is kept.
 */
public final class CachingOAuth2TokenProvider implements OAuth2TokenProvider {

    private final Supplier<String> fetcher;
    private String current;

    /** @param fetcher fetches a fresh access token (for example from the token endpoint); never returns null */
    public CachingOAuth2TokenProvider(Supplier<String> fetcher) {
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    }

    @Override
    public synchronized String token() {
        if (current == null) {
            current = Objects.requireNonNull(fetcher.get(), "the OAuth 2 token fetcher returned null");
        }
        return current;
    }

    @Override
    public synchronized void invalidate(String token) {
        if (token != null && token.equals(current)) {
            current = null;
        }
    }

    @Override
    public String toString() {
        return "CachingOAuth2TokenProvider[token=****]";
    }
}
