package io.github.pipeliningsmtp.autoconfigure.oauth2;

import io.github.pipeliningsmtp.autoconfigure.OAuth2TokenSupplier;
import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpProperties;
import io.github.pipeliningsmtp.client.OAuth2TokenProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;

/**
 * XOAUTH2 tokens for the sender from a Spring Security OAuth2 client registration, when
 * {@code spring-security-oauth2-client} is on the classpath and
 * {@code smtp.pipelining.oauth2.registration-id} names a registration: an
 * {@link OAuth2ClientTokenProvider} over an {@link AuthorizedClientServiceOAuth2AuthorizedClientManager}
 * (client_credentials and refresh_token grants) built from the application's
 * {@link ClientRegistrationRepository} and {@link OAuth2AuthorizedClientService} (an in-memory one
 * when the application has none). Works outside any HTTP request, unlike a web application's
 * request-bound authorized client manager.
 *
 * <p>Backs off when the application defines its own {@link OAuth2TokenProvider} or
 * {@link OAuth2TokenSupplier}. A registration id that names no registration fails startup.
 */
@AutoConfiguration(before = PipeliningSmtpAutoConfiguration.class,
        afterName = "org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration")
@ConditionalOnClass({OAuth2AuthorizedClientManager.class, ClientRegistrationRepository.class})
@ConditionalOnProperty(prefix = "smtp.pipelining", name = {"host", "oauth2.registration-id"})
@EnableConfigurationProperties(PipeliningSmtpProperties.class)
public final class PipeliningSmtpOAuth2AutoConfiguration {

    private static final String REGISTRATION_ID = "smtp.pipelining.oauth2.registration-id";

    /** The token provider of the named registration. */
    @Bean
    @ConditionalOnMissingBean({OAuth2TokenProvider.class, OAuth2TokenSupplier.class})
    OAuth2ClientTokenProvider pipeliningSmtpOAuth2TokenProvider(PipeliningSmtpProperties properties,
            ObjectProvider<ClientRegistrationRepository> registrations,
            ObjectProvider<OAuth2AuthorizedClientService> authorizedClients) {
        String id = properties.getOauth2().getRegistrationId();
        ClientRegistrationRepository repository = registrations.getIfAvailable();
        if (repository == null) {
            throw new InvalidConfigurationPropertyValueException(REGISTRATION_ID, id,
                    "no OAuth2 client registrations are configured (spring.security.oauth2.client.registration.*)");
        }
        if (repository.findByRegistrationId(id) == null) {
            throw new InvalidConfigurationPropertyValueException(REGISTRATION_ID, id,
                    "no OAuth2 client registration with this id (spring.security.oauth2.client.registration." + id + ")");
        }
        String principal = properties.getOauth2().getPrincipal() != null ? properties.getOauth2().getPrincipal()
                : properties.getUsername();
        if (principal == null) {
            throw new InvalidConfigurationPropertyValueException("smtp.pipelining.username", null,
                    "a username is required for XOAUTH2 (smtp.pipelining.oauth2.registration-id is set)");
        }
        OAuth2AuthorizedClientService service = authorizedClients.getIfAvailable(
                () -> new InMemoryOAuth2AuthorizedClientService(repository));
        AuthorizedClientServiceOAuth2AuthorizedClientManager manager =
                new AuthorizedClientServiceOAuth2AuthorizedClientManager(repository, service);
        manager.setAuthorizedClientProvider(OAuth2AuthorizedClientProviderBuilder.builder()
                .clientCredentials().refreshToken().build());
        return new OAuth2ClientTokenProvider(manager, service, id, principal);
    }
}
