package io.github.pipeliningsmtp.autoconfigure.oauth2;

import io.github.pipeliningsmtp.client.OAuth2TokenProvider;
import java.time.Instant;
import java.util.Objects;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

/**
 * XOAUTH2 access tokens from a Spring Security OAuth2 client registration: {@link #token()} asks the
 * {@link OAuth2AuthorizedClientManager} to authorize the registration for the principal (it returns
 * the authorized client kept in the {@link OAuth2AuthorizedClientService}, or fetches a new token
 * with the registration's grant, e.g. client_credentials, when there is none or it has expired).
 *
 * <p>{@link #invalidate(String)}, called when the SMTP server refused a token, acts only if that
 * token is still the one kept: an authorized client with a refresh token is kept with its access
 * token marked expired (so the next authorize refreshes it and the refresh token is not lost); one
 * without is removed (so the next authorize fetches a new token).
 *
 * <p>Thread-safe. {@link #token()} and {@link #invalidate(String)} hold one lock, so connections
 * opening at once wait for a single token request instead of each sending one; how long that
 * request may take is the manager's HTTP client's timeouts. The token never appears in
 * {@link #toString()} nor in an exception of this class.
 */
public final class OAuth2ClientTokenProvider implements OAuth2TokenProvider {

    private final OAuth2AuthorizedClientManager manager;
    private final OAuth2AuthorizedClientService service;
    private final String registrationId;
    private final String principal;

    /**
     * @param manager        authorizes the registration (for example an
     *                       {@code AuthorizedClientServiceOAuth2AuthorizedClientManager} over {@code service})
     * @param service        where the manager keeps authorized clients; invalidation changes them there
     * @param registrationId the client registration's id
     * @param principal      the principal name the authorized client is kept under
     */
    public OAuth2ClientTokenProvider(OAuth2AuthorizedClientManager manager, OAuth2AuthorizedClientService service,
                                     String registrationId, String principal) {
        this.manager = Objects.requireNonNull(manager, "manager");
        this.service = Objects.requireNonNull(service, "service");
        this.registrationId = Objects.requireNonNull(registrationId, "registrationId");
        this.principal = Objects.requireNonNull(principal, "principal");
    }

    /**
     * @throws IllegalStateException when the manager gives no authorized client (a registration whose
     *                               grant needs a user, such as authorization_code, not yet authorized)
     * @throws org.springframework.security.oauth2.core.OAuth2AuthorizationException when the token
     *                               endpoint refused or failed
     */
    @Override
    public synchronized String token() {
        OAuth2AuthorizedClient client = manager.authorize(
                OAuth2AuthorizeRequest.withClientRegistrationId(registrationId).principal(principal).build());
        if (client == null) {
            throw new IllegalStateException("the OAuth2 client registration '" + registrationId
                    + "' gave no authorized client for principal '" + principal + "'");
        }
        return client.getAccessToken().getTokenValue();
    }

    @Override
    public synchronized void invalidate(String token) {
        OAuth2AuthorizedClient kept = service.loadAuthorizedClient(registrationId, principal);
        if (kept == null || !kept.getAccessToken().getTokenValue().equals(token)) {
            return; // already replaced: another connection's refusal got there first
        }
        if (kept.getRefreshToken() == null) {
            service.removeAuthorizedClient(registrationId, principal);
            return;
        }
        OAuth2AccessToken access = kept.getAccessToken();
        OAuth2AccessToken expired = new OAuth2AccessToken(access.getTokenType(), access.getTokenValue(),
                Instant.EPOCH, Instant.EPOCH.plusSeconds(1), access.getScopes());
        service.saveAuthorizedClient(new OAuth2AuthorizedClient(kept.getClientRegistration(), principal, expired,
                kept.getRefreshToken()), UsernamePasswordAuthenticationToken.unauthenticated(principal, null));
    }

    @Override
    public String toString() {
        return "OAuth2ClientTokenProvider[registration=" + registrationId + ", principal=" + principal + ", token=****]";
    }
}
