package io.github.pipeliningsmtp.autoconfigure.oauth2;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.github.pipeliningsmtp.autoconfigure.OAuth2TokenSupplier;
import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.client.CachingOAuth2TokenProvider;
import io.github.pipeliningsmtp.client.OAuth2TokenProvider;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;

/**
 * XOAUTH2 from a Spring Security OAuth2 client registration (docs/fault-kinds.md#oauth2-token-refused):
 * the provider is configured only with spring-security-oauth2-client present and
 * smtp.pipelining.oauth2.registration-id set, backs off for an application's provider, and against
 * a fake token endpoint (client_credentials) and a scripted server that refuses the first token,
 * the send succeeds with the second one the endpoint hands out.
 */
class PipeliningSmtpOAuth2AutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(OAuth2ClientAutoConfiguration.class, PipeliningSmtpOAuth2AutoConfiguration.class,
                    PipeliningSmtpAutoConfiguration.class));

    private final ScriptedSmtpServer smtp = ClientFixtures.server();
    private final List<String> grantRequests = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private HttpServer tokenEndpoint;

    @AfterEach
    void tearDown() throws Exception {
        if (tokenEndpoint != null) {
            tokenEndpoint.stop(0);
        }
        ClientFixtures.closeCleanly(smtp);
    }

    /** A client_credentials token endpoint on loopback: access tokens "token-1", "token-2"... */
    private String startTokenEndpoint() throws Exception {
        tokenEndpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tokenEndpoint.createContext("/token", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                grantRequests.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            byte[] body = ("{\"access_token\":\"token-" + tokensIssued.incrementAndGet()
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json;charset=UTF-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        tokenEndpoint.start();
        return "http://127.0.0.1:" + tokenEndpoint.getAddress().getPort() + "/token";
    }

    private ApplicationContextRunner withRegistration(String tokenUri) {
        return runner.withPropertyValues("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.port=" + smtp.port(),
                "smtp.pipelining.tls=none", "smtp.pipelining.allow-plaintext-auth=true",
                "smtp.pipelining.username=mailer@example.com", "smtp.pipelining.oauth2.registration-id=smtp",
                "spring.security.oauth2.client.registration.smtp.provider=fake",
                "spring.security.oauth2.client.registration.smtp.client-id=mailer",
                "spring.security.oauth2.client.registration.smtp.client-secret=client-secret",
                "spring.security.oauth2.client.registration.smtp.authorization-grant-type=client_credentials",
                "spring.security.oauth2.client.registration.smtp.scope=https://mail.google.com/",
                "spring.security.oauth2.client.provider.fake.token-uri=" + tokenUri);
    }

    private static SendReport send(PipelinedMailSender sender) throws Exception {
        MimeMessage m = sender.createMimeMessage();
        MimeMessageHelper h = new MimeMessageHelper(m);
        h.setFrom("sender@example.com");
        h.setTo("rcpt@example.net");
        h.setSubject("token");
        h.setText("hello");
        return sender.sendAndReport(m);
    }

    @Test
    void aRefusedTokenIsRemovedAndTheRegistrationFetchesAFreshOneForANewConnection() throws Exception {
        smtp.setDefaultScript(StandardSession.builder().xoauth2Token("token-2").requireAuth(true).build());
        withRegistration(startTokenEndpoint()).run(context -> {
            assertThat(context).hasSingleBean(OAuth2ClientTokenProvider.class);
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            SendReport first = send(sender);
            assertThat(first.allSucceeded()).as(first.toString()).isTrue();
            // the pooled connection keeps its session: no further token request
            SendReport second = send(sender);
            assertThat(second.allSucceeded()).as(second.toString()).isTrue();
        });
        assertThat(tokensIssued).hasValue(2);
        assertThat(grantRequests).allSatisfy(body -> assertThat(body).contains("grant_type=client_credentials"));
        assertThat(smtp.connectionCount()).isEqualTo(2);
        assertThat(smtp.messages()).hasSize(2);
    }

    @Test
    void twoRefusedTokensFailTheSendWithTheDecodedStatus() throws Exception {
        smtp.setDefaultScript(StandardSession.builder().xoauth2Token("never-issued").requireAuth(true).build());
        withRegistration(startTokenEndpoint()).run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            try {
                send(sender);
                throw new AssertionError("the send should have failed");
            } catch (MailAuthenticationException e) {
                assertThat(e.getMessage()).contains("status 401").contains("scope https://mail.google.com/")
                        .doesNotContain("token-1").doesNotContain("token-2");
            }
        });
        assertThat(tokensIssued).hasValue(2);
    }

    @Test
    void aRegistrationIdNamingNoRegistrationFailsStartup() throws Exception {
        withRegistration(startTokenEndpoint()).withPropertyValues("smtp.pipelining.oauth2.registration-id=other")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("smtp.pipelining.oauth2.registration-id")
                        .hasMessageContaining("no OAuth2 client registration with this id"));
    }

    @Test
    void noRegistrationsAtAllFailStartup() {
        runner.withPropertyValues("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.username=mailer@example.com",
                        "smtp.pipelining.oauth2.registration-id=smtp")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("smtp.pipelining.oauth2.registration-id")
                        .hasMessageContaining("no OAuth2 client registrations are configured"));
    }

    @Test
    void withoutTheRegistrationIdNothingOfOAuth2IsConfigured() {
        runner.withPropertyValues("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.username=u",
                        "smtp.pipelining.password=p")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(OAuth2ClientTokenProvider.class);
                    assertThat(context).hasSingleBean(PipelinedMailSender.class);
                });
    }

    @Test
    void withoutSpringSecurityTheRegistrationIdFailsStartupNamingTheMissingLibrary() throws Exception {
        withRegistration(startTokenEndpoint())
                .withClassLoader(new FilteredClassLoader(OAuth2AuthorizedClientManager.class))
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("smtp.pipelining.oauth2.registration-id")
                        .hasMessageContaining("spring-security-oauth2-client"));
        runner.withClassLoader(new FilteredClassLoader(OAuth2AuthorizedClientManager.class))
                .withPropertyValues("smtp.pipelining.host=127.0.0.1")
                .run(context -> assertThat(context).hasSingleBean(PipelinedMailSender.class));
    }

    @Test
    void anApplicationTokenProviderWinsAndIsToldOfTheRefusal() throws Exception {
        smtp.setDefaultScript(StandardSession.builder().xoauth2Token("fresh").requireAuth(true).build());
        withRegistration(startTokenEndpoint()).withUserConfiguration(OwnProvider.class).run(context -> {
            assertThat(context).doesNotHaveBean(OAuth2ClientTokenProvider.class);
            SendReport report = send(context.getBean(PipelinedMailSender.class));
            assertThat(report.allSucceeded()).as(report.toString()).isTrue();
        });
        assertThat(tokensIssued).hasValue(0);
        assertThat(OwnProvider.fetches).hasValue(2);
    }

    @Test
    void anOAuth2TokenSupplierBeanStillWorks() {
        smtp.setDefaultScript(StandardSession.builder().xoauth2Token("supplied").requireAuth(true).build());
        runner.withPropertyValues("smtp.pipelining.host=127.0.0.1", "smtp.pipelining.port=" + smtp.port(),
                        "smtp.pipelining.tls=none", "smtp.pipelining.allow-plaintext-auth=true",
                        "smtp.pipelining.username=mailer@example.com")
                .withBean(OAuth2TokenSupplier.class, () -> () -> "supplied")
                .run(context -> {
                    SendReport report = send(context.getBean(PipelinedMailSender.class));
                    assertThat(report.allSucceeded()).as(report.toString()).isTrue();
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnProvider {
        static final AtomicInteger fetches = new AtomicInteger();

        @Bean
        OAuth2TokenProvider ownTokenProvider() {
            fetches.set(0);
            return new CachingOAuth2TokenProvider(() -> fetches.incrementAndGet() == 1 ? "expired" : "fresh");
        }
    }
}
