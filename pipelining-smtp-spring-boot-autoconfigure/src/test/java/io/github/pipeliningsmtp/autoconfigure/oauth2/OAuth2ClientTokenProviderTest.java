package io.github.pipeliningsmtp.autoconfigure.oauth2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;

/**
 * The invalidate step against the authorized-client service (docs/fault-kinds.md#oauth2-token-refused):
 * only the token that failed is invalidated; one with a refresh token keeps it, marked expired.
 */
class OAuth2ClientTokenProviderTest {

    private static final String PRINCIPAL = "mailer@example.com";
    private final ClientRegistration registration = ClientRegistration.withRegistrationId("smtp")
            .clientId("mailer").clientSecret("s").authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
            .tokenUri("http://127.0.0.1:1/token").build();
    private final InMemoryOAuth2AuthorizedClientService service =
            new InMemoryOAuth2AuthorizedClientService(new InMemoryClientRegistrationRepository(registration));
    private final AtomicInteger authorizations = new AtomicInteger();

    /** A manager that, like Spring's, returns the kept client while it is not expired, else "fetches" a new one. */
    private final OAuth2AuthorizedClientManager manager = request -> {
        OAuth2AuthorizedClient kept = service.loadAuthorizedClient("smtp", request.getPrincipal().getName());
        if (kept != null && kept.getAccessToken().getExpiresAt().isAfter(Instant.now())) {
            return kept;
        }
        OAuth2AuthorizedClient fresh = client("token-" + authorizations.incrementAndGet(),
                kept == null ? null : kept.getRefreshToken());
        service.saveAuthorizedClient(fresh, UsernamePasswordAuthenticationToken.unauthenticated(PRINCIPAL, null));
        return fresh;
    };

    private OAuth2AuthorizedClient client(String token, OAuth2RefreshToken refresh) {
        return new OAuth2AuthorizedClient(registration, PRINCIPAL, new OAuth2AccessToken(
                OAuth2AccessToken.TokenType.BEARER, token, Instant.now(), Instant.now().plusSeconds(3600)), refresh);
    }

    @Test
    void onlyTheTokenThatFailedIsRemoved() {
        OAuth2ClientTokenProvider provider = new OAuth2ClientTokenProvider(manager, service, "smtp", PRINCIPAL);
        assertThat(provider.token()).isEqualTo("token-1");
        assertThat(provider.token()).isEqualTo("token-1");
        provider.invalidate("token-0"); // an older token: nothing happens
        assertThat(provider.token()).isEqualTo("token-1");
        provider.invalidate("token-1");
        assertThat(service.<OAuth2AuthorizedClient>loadAuthorizedClient("smtp", PRINCIPAL)).isNull();
        assertThat(provider.token()).isEqualTo("token-2");
        provider.invalidate("token-1"); // a late report of the same refusal
        assertThat(provider.token()).isEqualTo("token-2");
        assertThat(authorizations).hasValue(2);
        assertThat(provider.toString()).doesNotContain("token-2");
    }

    @Test
    void aClientWithARefreshTokenKeepsItWithItsAccessTokenMarkedExpired() {
        OAuth2RefreshToken refresh = new OAuth2RefreshToken("refresh-secret", Instant.now());
        service.saveAuthorizedClient(client("token-0", refresh),
                UsernamePasswordAuthenticationToken.unauthenticated(PRINCIPAL, null));
        OAuth2ClientTokenProvider provider = new OAuth2ClientTokenProvider(manager, service, "smtp", PRINCIPAL);
        assertThat(provider.token()).isEqualTo("token-0");
        provider.invalidate("token-0");
        OAuth2AuthorizedClient kept = service.loadAuthorizedClient("smtp", PRINCIPAL);
        assertThat(kept.getRefreshToken()).isNotNull();
        assertThat(kept.getRefreshToken().getTokenValue()).isEqualTo("refresh-secret");
        assertThat(kept.getAccessToken().getExpiresAt()).isBefore(Instant.now());
        assertThat(provider.token()).isEqualTo("token-1");
    }

    @Test
    void noAuthorizedClientIsAnErrorNamingTheRegistration() {
        OAuth2ClientTokenProvider provider = new OAuth2ClientTokenProvider(request -> null, service, "smtp", PRINCIPAL);
        assertThatThrownBy(provider::token).isInstanceOf(IllegalStateException.class).hasMessageContaining("'smtp'");
    }
}
