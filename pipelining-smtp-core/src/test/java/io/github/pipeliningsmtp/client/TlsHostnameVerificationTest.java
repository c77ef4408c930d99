package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerOptions;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.TestCertificates;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TLS host name verification (docs/fault-kinds.md#tls-hostname-verification), for STARTTLS and implicit TLS: a certificate from the trusted CA
 * for another name (1), a self-signed one (2) and an expired one (3) all fail the handshake with
 * hostname verification on (the default); no post-TLS EHLO, AUTH or MAIL is written and the
 * connection is closed. Only {@code verifyHostname(false)} lets variant 1 through; 2 and 3 still
 * fail because their chain is not trusted.
 */
class TlsHostnameVerificationTest {

    private static final TestCertificates CERTS = TestCertificates.create();
    private static final String USER = "user@example.com";
    private static final String PASSWORD = "S3cret-Pa55";

    enum Flow { STARTTLS, IMPLICIT }

    enum Variant {
        WRONG_NAME, SELF_SIGNED, EXPIRED;

        SSLContext serverContext() {
            return switch (this) {
                case WRONG_NAME -> CERTS.serverContext("other.example.net");
                case SELF_SIGNED -> CERTS.selfSignedServerContext("mail.example.com");
                case EXPIRED -> CERTS.expiredServerContext("mail.example.com");
            };
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(Flow.values()).flatMap(f -> Stream.of(Variant.values()).map(v -> Arguments.of(f, v)));
    }

    private static ScriptedSmtpServer start(Flow flow, SSLContext serverContext) throws IOException {
        StandardSession.Builder session = StandardSession.builder().credentials(USER, PASSWORD).requireAuth(true);
        ScriptedSmtpServer server;
        if (flow == Flow.IMPLICIT) {
            server = ScriptedSmtpServer.start(ServerOptions.defaults().withSslContext(serverContext));
        } else {
            server = ScriptedSmtpServer.start();
            session.startTls(serverContext);
        }
        server.setDefaultScript(session.build());
        return server;
    }

    private static ConnectionSettings.Builder settings(ScriptedSmtpServer server, Flow flow) {
        return ClientFixtures.settings(server)
                .tlsMode(flow == Flow.IMPLICIT ? TlsMode.IMPLICIT : TlsMode.STARTTLS_REQUIRED)
                .sslContext(CERTS.clientContextTrustingCa())
                .credentials(Credentials.password(USER, PASSWORD));
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    private static void assertHandshakeFailsAndNothingFollows(ScriptedSmtpServer server, ConnectionSettings settings,
            Flow flow, Variant variant) throws Exception {
        assertThatThrownBy(() -> SmtpConnection.open(settings).close())
                .isInstanceOf(SSLException.class)
                .satisfies(e -> {
                    String text = messages(e);
                    // the JDK's messages: the name looked for, the untrusted path, the failed validity check
                    switch (variant) {
                        case WRONG_NAME -> assertThat(text).contains("mail.example.com");
                        case SELF_SIGNED -> assertThat(text).contains("certification path");
                        case EXPIRED -> assertThat(text).contains("certpath").contains("validity check failed");
                    }
                });
        server.awaitConnectionCount(1, Duration.ofSeconds(2));
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        server.awaitScriptsFinished(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).isEmpty();
        List<String> verbs = server.commands().stream().map(RecordedCommand::verb).toList();
        if (flow == Flow.STARTTLS) {
            assertThat(verbs).containsExactly("EHLO", "STARTTLS");
        } else {
            assertThat(verbs).isEmpty();
        }
        assertThat(server.events()).anyMatch(e -> e.startsWith("TLS handshake failed"));
        assertThat(server.messages()).isEmpty();
    }

    @ParameterizedTest(name = "{0} variant {1}")
    @MethodSource("cases")
    void defaultSettingsRejectTheCertificate(Flow flow, Variant variant) throws Exception {
        try (ScriptedSmtpServer server = start(flow, variant.serverContext())) {
            assertHandshakeFailsAndNothingFollows(server, settings(server, flow).build(), flow, variant);
        }
    }

    @ParameterizedTest(name = "{0} variant {1}")
    @MethodSource("cases")
    void skippingTheHostnameCheckOnlyLetsTheWrongNameThrough(Flow flow, Variant variant) throws Exception {
        try (ScriptedSmtpServer server = start(flow, variant.serverContext())) {
            ConnectionSettings settings = settings(server, flow).verifyHostname(false).build();
            if (variant != Variant.WRONG_NAME) {
                assertHandshakeFailsAndNothingFollows(server, settings, flow, variant);
                return;
            }
            try (SmtpConnection c = SmtpConnection.open(settings)) {
                assertThat(c.isTls()).isTrue();
                assertThat(c.send(List.of(ClientFixtures.message(512, rcpt(1)))).get(0).status())
                        .isEqualTo(MessageStatus.SUCCEEDED);
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(2));
            assertThat(server.commands()).extracting(RecordedCommand::verb).contains("AUTH", "MAIL");
            assertThat(server.messages()).hasSize(1);
        }
    }

    /** Control: a valid certificate for mail.example.com from the trusted CA is accepted in both flows. */
    @ParameterizedTest
    @EnumSource(Flow.class)
    void aValidCertificateIsAccepted(Flow flow) throws Exception {
        try (ScriptedSmtpServer server = start(flow, CERTS.serverContext("mail.example.com"))) {
            try (SmtpConnection c = SmtpConnection.open(settings(server, flow).build())) {
                assertThat(c.isTls()).isTrue();
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(2));
            assertThat(server.commands()).extracting(RecordedCommand::verb).contains("AUTH");
        }
    }
}
