package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OAuth 2 token expiry (docs/fault-kinds.md#oauth2-token-refused): a server that answers AUTH
 * XOAUTH2 with the 334 error challenge ({"status":"401","schemes":"bearer","scope":...}) and 535
 * makes the client invalidate the token, fetch a fresh one and authenticate once more on a new
 * connection; a second refusal fails with the decoded status and never the token.
 */
class ExpiredOAuth2TokenTest {

    private static final String USER = "user@example.com";
    private static final String EXPIRED = "ya29.EXPIRED-token-value";
    private static final String FRESH = "ya29.FRESH-token-value";

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    /** A token endpoint that hands out the given tokens in turn (the last one from then on), counting calls. */
    private static final class TokenEndpoint {
        final AtomicInteger calls = new AtomicInteger();
        final List<String> tokens;

        TokenEndpoint(String... tokens) {
            this.tokens = List.of(tokens);
        }

        String fetch() {
            int n = calls.getAndIncrement();
            return tokens.get(Math.min(n, tokens.size() - 1));
        }
    }

    private ConnectionSettings settings(OAuth2TokenProvider provider) {
        return ClientFixtures.settings(server).allowPlaintextAuth(true)
                .credentials(Credentials.oauth2(USER, provider)).build();
    }

    private static List<String> secrets(String... tokens) {
        List<String> secrets = new ArrayList<>();
        for (String token : tokens) {
            secrets.add(token);
            secrets.add(b64("user=" + USER + "\u0001auth=Bearer " + token + "\u0001\u0001"));
        }
        // the error challenge's base64 text: shown decoded, never as sent
        secrets.add(b64("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}"));
        return secrets;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> verbs(List<RecordedCommand> commands) {
        return commands.stream().map(RecordedCommand::verb).toList();
    }

    @Test
    void anExpiredTokenIsInvalidatedAndTheSendGoesOutOnANewConnectionWithAFreshOne() throws Exception {
        server.setDefaultScript(StandardSession.builder().xoauth2Token(FRESH).requireAuth(true).build());
        TokenEndpoint endpoint = new TokenEndpoint(EXPIRED, FRESH);
        try (LogCapture logs = new LogCapture();
             SmtpConnection connection = SmtpConnection.open(settings(new CachingOAuth2TokenProvider(endpoint::fetch)))) {
            List<MessageLedger> ledgers = connection.send(List.of(ClientFixtures.message(100, ClientFixtures.rcpt(1))));
            assertThat(ledgers.get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(endpoint.calls).hasValue(2);
            assertThat(server.connectionCount()).isEqualTo(2);
            // the refused connection was closed without any transaction; the fresh one carried the mail
            server.awaitConnectionCount(2, java.time.Duration.ofSeconds(1));
            assertThat(verbs(server.commands(0))).containsExactly("EHLO", "AUTH", "");
            assertThat(verbs(server.commands(1))).contains("AUTH", "MAIL", "RCPT", "DATA");
            assertThat(server.messages()).hasSize(1);
            connection.close();
            for (String secret : secrets(EXPIRED, FRESH)) {
                assertThat(logs.all()).doesNotContain(secret);
            }
            assertThat(logs.all()).contains("status 401");
        }
    }

    @Test
    void aFreshTokenRefusedTooFailsWithTheDecodedStatusAndNeverTheToken() throws Exception {
        server.setDefaultScript(StandardSession.builder().xoauth2Token("never-handed-out").requireAuth(true).build());
        TokenEndpoint endpoint = new TokenEndpoint(EXPIRED, FRESH);
        List<Throwable> thrown = new ArrayList<>();
        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(() -> SmtpConnection.open(settings(new CachingOAuth2TokenProvider(endpoint::fetch))))
                    .isInstanceOfSatisfying(SmtpTokenRefusedException.class, e -> {
                        thrown.add(e);
                        assertThat(e.afterFreshToken()).isTrue();
                        assertThat(e.status()).contains("401");
                        assertThat(e.schemes()).contains("bearer");
                        assertThat(e.scope()).contains("https://mail.google.com/");
                        assertThat(e.getMessage()).contains("535 5.7.8")
                                .contains("refused again after a fresh one was fetched")
                                .contains("status 401, schemes bearer, scope https://mail.google.com/");
                        SmtpError error = e.error().orElseThrow();
                        assertThat(error.type()).isEqualTo(FailureType.CONFIGURATION);
                        assertThat(error.command()).isEqualTo("AUTH XOAUTH2");
                        assertThat(error.code()).isEqualTo(535);
                    });
            assertThat(endpoint.calls).hasValue(2);
            assertThat(server.connectionCount()).isEqualTo(2);
            StringWriter trace = new StringWriter();
            thrown.get(0).printStackTrace(new PrintWriter(trace));
            String everything = trace + "\n" + thrown.get(0) + "\n" + logs.all();
            for (String secret : secrets(EXPIRED, FRESH)) {
                assertThat(everything).doesNotContain(secret);
            }
        }
    }

    @Test
    void aPlainSupplierIsSimplyAskedAgain() throws Exception {
        server.setDefaultScript(StandardSession.builder().xoauth2Token(FRESH).requireAuth(true).build());
        TokenEndpoint endpoint = new TokenEndpoint(EXPIRED, FRESH);
        ConnectionSettings settings = ClientFixtures.settings(server).allowPlaintextAuth(true)
                .credentials(Credentials.oauth2(USER, endpoint::fetch)).build();
        try (SmtpConnection connection = SmtpConnection.open(settings)) {
            assertThat(connection.state()).isEqualTo(SmtpConnection.State.READY);
        }
        assertThat(endpoint.calls).hasValue(2);
        assertThat(server.connectionCount()).isEqualTo(2);
    }

    @Test
    void connectionsOpeningAtOnceAfterExpiryFetchOneFreshTokenBetweenThem() throws Exception {
        server.setDefaultScript(StandardSession.builder().xoauth2Token(FRESH).requireAuth(true).build());
        TokenEndpoint endpoint = new TokenEndpoint(EXPIRED, FRESH);
        CachingOAuth2TokenProvider provider = new CachingOAuth2TokenProvider(endpoint::fetch);
        ConnectionSettings settings = settings(provider);
        int openers = 4;
        CyclicBarrier start = new CyclicBarrier(openers);
        ExecutorService pool = Executors.newFixedThreadPool(openers);
        List<SmtpConnection> opened = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < openers; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    opened.add(SmtpConnection.open(settings));
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(20, TimeUnit.SECONDS);
            }
            assertThat(opened).hasSize(openers).allMatch(c -> c.state() == SmtpConnection.State.READY);
            // one fetch of the expired token, one of the fresh one: never one per connection
            assertThat(endpoint.calls).hasValue(2);
            assertThat(provider.token()).isEqualTo(FRESH);
        } finally {
            opened.forEach(SmtpConnection::close);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aProviderThatCannotGiveATokenFailsTheOpenWithoutItsMessage() throws Exception {
        server.setDefaultScript(StandardSession.builder().xoauth2Token(FRESH).requireAuth(true).build());
        OAuth2TokenProvider unreachable = new CachingOAuth2TokenProvider(() -> {
            throw new java.io.UncheckedIOException(new java.net.ConnectException("token endpoint down, secret=abc"));
        });
        assertThatThrownBy(() -> SmtpConnection.open(settings(unreachable)))
                .isInstanceOfSatisfying(SmtpAuthenticationException.class, e -> {
                    assertThat(e.getMessage()).contains("the token provider failed").doesNotContain("secret=abc");
                    assertThat(e.error().orElseThrow().type()).isEqualTo(FailureType.TRANSIENT);
                    assertThat(e.error().orElseThrow().toString()).doesNotContain("secret=abc");
                });
        OAuth2TokenProvider misconfigured = new CachingOAuth2TokenProvider(() -> {
            throw new IllegalStateException("invalid_client, secret=abc");
        });
        assertThatThrownBy(() -> SmtpConnection.open(settings(misconfigured)))
                .isInstanceOfSatisfying(SmtpAuthenticationException.class, e ->
                        assertThat(e.error().orElseThrow().type()).isEqualTo(FailureType.CONFIGURATION));
        assertThat(server.connectionCount()).isEqualTo(2);
    }

    @Test
    void theCachingProviderForgetsOnlyTheTokenThatFailed() {
        TokenEndpoint endpoint = new TokenEndpoint("one", "two", "three");
        CachingOAuth2TokenProvider provider = new CachingOAuth2TokenProvider(endpoint::fetch);
        assertThat(provider.token()).isEqualTo("one");
        provider.invalidate("one");
        assertThat(provider.token()).isEqualTo("two");
        provider.invalidate("one"); // a late report of the old token: the new one stays
        assertThat(provider.token()).isEqualTo("two");
        assertThat(endpoint.calls).hasValue(2);
        assertThat(provider.toString()).doesNotContain("two");
    }
}
