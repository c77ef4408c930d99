package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SendReport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.Credentials;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.client.TlsMode;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.TestCertificates;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailAuthenticationException;

/**
 * A session that cannot be opened is recorded in every recipient's ledger entry under the step that
 * failed, with a type that says what the caller can do: configuration and security failures
 * (untrusted certificate, wrong host name, STARTTLS required but missing, AUTH refused with 5yz) are
 * {@link FailureType#CONFIGURATION}, so a caller that retries only {@link FailureType#TRANSIENT}
 * never retries them; a refused connection or a 4yz to AUTH are TRANSIENT.
 */
class SessionFailureTypesTest {

    private final List<ScriptedSmtpServer> servers = new ArrayList<>();
    private final List<SendReport> reports = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (ScriptedSmtpServer s : servers) {
            s.close();
        }
    }

    private ScriptedSmtpServer server(StandardSession session) throws Exception {
        ScriptedSmtpServer server = ScriptedSmtpServer.start();
        server.setDefaultScript(session);
        servers.add(server);
        return server;
    }

    private PipelinedMailSender sender(ConnectionSettings settings) {
        SenderEvents events = new SenderEvents();
        events.add(new SmtpListener() {
            @Override
            public void batchCompleted(SendReport report, Duration elapsed) {
                reports.add(report);
            }
        });
        SmtpConnectionPool pool = new SmtpConnectionPool(settings, SendingOptions.DEFAULTS,
                PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(2)).build(), events);
        return new PipelinedMailSender(pool, "UTF-8", DeliveryPolicy.PARTIAL, Duration.ofSeconds(2), events);
    }

    private static MimeMessage message(PipelinedMailSender sender) throws Exception {
        MimeMessage m = sender.createMimeMessage();
        m.setFrom(new InternetAddress("sender@example.com"));
        m.setRecipients(Message.RecipientType.TO, "rcpt-1@example.net");
        m.setSubject("types");
        m.setText("body");
        return m;
    }

    private SmtpError onlyError() {
        assertThat(reports).hasSize(1);
        RecipientResult r = reports.get(0).entries().get(0).ledger().recipients().get(0);
        assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
        return r.error().orElseThrow();
    }

    @Test
    void authRefusedWith535IsAConfigurationErrorUnderAuth() throws Exception {
        ScriptedSmtpServer server = server(StandardSession.builder().credentials("user@example.com", "right").build());
        try (PipelinedMailSender sender = sender(ClientFixtures.settings(server.port()).allowPlaintextAuth(true)
                .credentials(Credentials.password("user@example.com", "wrong")).build())) {
            assertThatThrownBy(() -> sender.send(message(sender))).isInstanceOf(MailAuthenticationException.class);
        }
        SmtpError error = onlyError();
        assertThat(error.step()).isEqualTo(SmtpStep.AUTH);
        assertThat(error.command()).isEqualTo("AUTH PLAIN");
        assertThat(error.code()).isEqualTo(535);
        assertThat(error.type()).isEqualTo(FailureType.CONFIGURATION);
    }

    @Test
    void startTlsRequiredButNotOfferedIsAConfigurationErrorUnderStartTls() throws Exception {
        ScriptedSmtpServer server = server(new StandardSession());
        try (PipelinedMailSender sender = sender(ClientFixtures.settings(server.port())
                .tlsMode(TlsMode.STARTTLS_REQUIRED).build())) {
            SendReport report = sender.sendAndReport(message(sender));
            assertThat(report.entries()).hasSize(1);
        }
        SmtpError error = onlyError();
        assertThat(error.step()).isEqualTo(SmtpStep.STARTTLS);
        assertThat(error.type()).isEqualTo(FailureType.CONFIGURATION);
        assertThat(server.commands()).extracting(c -> c.line()).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    void anUntrustedCertificateIsAConfigurationErrorUnderStartTls() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        ScriptedSmtpServer server = server(StandardSession.builder()
                .startTls(certificates.selfSignedServerContext("mail.example.com")).build());
        try (PipelinedMailSender sender = sender(ClientFixtures.settings(server.port()).tlsMode(TlsMode.STARTTLS_REQUIRED)
                .sslContext(certificates.clientContextTrustingCa()).build())) {
            sender.sendAndReport(message(sender));
        }
        SmtpError error = onlyError();
        assertThat(error.step()).isEqualTo(SmtpStep.STARTTLS);
        assertThat(error.type()).isEqualTo(FailureType.CONFIGURATION);
        assertThat(error.exception()).get().isInstanceOf(javax.net.ssl.SSLException.class);
    }

    @Test
    void aHostNameNotInTheCertificateIsAConfigurationErrorUnderStartTls() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        ScriptedSmtpServer server = server(StandardSession.builder()
                .startTls(certificates.serverContext("other.example.net")).build());
        try (PipelinedMailSender sender = sender(ClientFixtures.settings(server.port()).tlsMode(TlsMode.STARTTLS_REQUIRED)
                .sslContext(certificates.clientContextTrustingCa()).build())) {
            sender.sendAndReport(message(sender));
        }
        SmtpError error = onlyError();
        assertThat(error.step()).isEqualTo(SmtpStep.STARTTLS);
        assertThat(error.type()).isEqualTo(FailureType.CONFIGURATION);
    }

    @Test
    void aRefusedConnectionIsTransientUnderConnect() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        try (PipelinedMailSender sender = sender(ClientFixtures.settings(port).build())) {
            sender.sendAndReport(message(sender));
        }
        SmtpError error = onlyError();
        assertThat(error.step()).isEqualTo(SmtpStep.CONNECT);
        assertThat(error.type()).isEqualTo(FailureType.TRANSIENT);
    }

    @Test
    void aGreetingRefusedWith554IsPermanentUnderGreeting() throws Exception {
        ScriptedSmtpServer server = server(StandardSession.builder().greeting("554 5.7.1 No SMTP service here").build());
        try (PipelinedMailSender sender = sender(ClientFixtures.settings(server.port()).build())) {
            sender.sendAndReport(message(sender));
        }
        SmtpError error = onlyError();
        assertThat(error.step()).isEqualTo(SmtpStep.GREETING);
        assertThat(error.code()).isEqualTo(554);
        assertThat(error.type()).isEqualTo(FailureType.PERMANENT);
    }
}
