package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Socket;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TestCertificatesTest {

    private static TestCertificates certificates;

    @BeforeAll
    static void create() {
        certificates = TestCertificates.create();
    }

    @Test
    void caIsTrustedAndSelfIssued() throws Exception {
        assertThat(certificates.caCertificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(certificates.trustStore().getCertificate("test-ca")).isEqualTo(certificates.caCertificate());
    }

    @Test
    void handshakeSucceedsForMatchingName() throws Exception {
        String protocol = handshake(certificates.serverContext("mail.example.com", "127.0.0.1"));
        assertThat(protocol).isIn("TLSv1.3", "TLSv1.2");
    }

    @Test
    void handshakeFailsForOtherName() {
        assertThatThrownBy(() -> handshake(certificates.serverContext("other.example.net")))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void handshakeFailsForExpiredCertificate() {
        assertThatThrownBy(() -> handshake(certificates.expiredServerContext("mail.example.com")))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void handshakeFailsForSelfSignedCertificate() {
        assertThatThrownBy(() -> handshake(certificates.selfSignedServerContext("mail.example.com")))
                .isInstanceOf(SSLHandshakeException.class);
    }

    /** Runs a handshake against a server with implicit TLS; returns the negotiated protocol. */
    private static String handshake(SSLContext serverContext) throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start(ServerOptions.defaults().withSslContext(serverContext))) {
            server.setDefaultScript(s -> s.reply("220 tls"));
            try (TestClient plain = new TestClient(new Socket(server.host(), server.port()));
                    TestClient tls = plain.startTls(certificates.clientContextTrustingCa(), "mail.example.com")) {
                assertThat(tls.reply()).isEqualTo("220 tls");
                return ((SSLSocket) tls.socket()).getSession().getProtocol();
            } finally {
                server.awaitNoOpenConnections(Duration.ofSeconds(5));
                server.awaitScriptsFinished(Duration.ofSeconds(5));
                assertThat(server.scriptErrors()).isEmpty();
            }
        }
    }
}
