package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The core's entry point for applications without Spring: build from settings, send MimeMessages, read the report. */
class SmtpMailerTest {

    @Test
    void sendsMimeMessagesAndReportsEachOneWithoutSpring() throws Exception {
        List<SendReport> batches = new ArrayList<>();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            ConnectionSettings settings = ConnectionSettings.builder("mail.example.com", server.port())
                    .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                    .ehloName("client.example.org").build();
            try (SmtpMailer mailer = SmtpMailer.builder(settings)
                    .poolSettings(PoolSettings.builder().maxConnections(2).maxWait(Duration.ofSeconds(2)).build())
                    .listener(new SmtpListener() {
                        @Override
                        public void batchCompleted(SendReport report, Duration elapsed) {
                            batches.add(report);
                        }
                    })
                    .shutdownTimeout(Duration.ofSeconds(2)).build()) {
                MimeMessage good = mailer.createMimeMessage();
                good.setFrom(new InternetAddress("sender@example.com"));
                good.setRecipients(Message.RecipientType.TO, "ann@example.net");
                good.setSubject("core");
                good.setText("hello");
                MimeMessage noRecipient = mailer.createMimeMessage();
                noRecipient.setFrom(new InternetAddress("sender@example.com"));
                noRecipient.setText("nobody to send to");

                SendReport report = mailer.send(good, noRecipient);

                assertThat(report.entries()).hasSize(2);
                assertThat(report.entries().get(0).ledger().status()).isEqualTo(MessageStatus.SUCCEEDED);
                assertThat(report.entries().get(0).original()).isSameAs(good);
                assertThat(report.entries().get(1).error()).isInstanceOf(MessagePreparationException.class);
                assertThat(report.entries().get(1).errorIfAny()).containsInstanceOf(MessagePreparationException.class);
                assertThat(report.entries().get(1).ledgerIfAny()).isEmpty();
                assertThat(report.entries().get(0).errorIfAny()).isEmpty();
                assertThat(server.messages()).hasSize(1);
                assertThat(server.messages().get(0).header("Date")).isPresent();
                assertThat(batches).containsExactly(report);
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(2));
        }
    }

    @Test
    void anUnpreparableMessageWithRecipientsFailsThemLocally() throws Exception {
        ConnectionSettings settings = ConnectionSettings.builder("mail.example.com", 1).build();
        try (SmtpMailer mailer = SmtpMailer.builder(settings).shutdownTimeout(Duration.ofSeconds(1)).build()) {
            MimeMessage bad = mailer.createMimeMessage();
            bad.setHeader("To", "ann@example.net");
            bad.setHeader("From", "not an address <<");
            bad.setText("x");
            SendReport report = mailer.send(bad);
            assertThat(report.entries().get(0).error()).isInstanceOf(MessagePreparationException.class);
            assertThat(report.entries().get(0).ledger().recipients()).singleElement().satisfies(r -> {
                assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
                assertThat(r.error().orElseThrow().type()).isEqualTo(FailureType.LOCAL);
            });
        }
    }
}
