package io.github.pipeliningsmtp.autoconfigure.metrics;

import static io.github.pipeliningsmtp.sender.Senders.message;
import static io.github.pipeliningsmtp.sender.Senders.recipients;
import static io.github.pipeliningsmtp.sender.Senders.runner;
import static io.github.pipeliningsmtp.sender.Senders.settled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailAuthenticationException;

/**
 * The metrics ledger invariant: after any batch, smtp.pipelining.recipients succeeded + failed +
 * unknown equals the recipients passed in, whatever path the batch took.
 */
class RecipientMetersEqualTheLedgerTest {

    private ScriptedSmtpServer server;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.awaitNoOpenConnections(Duration.ofSeconds(5));
            server.close();
        }
    }

    private interface Body {
        void run(PipelinedMailSender sender, SimpleMeterRegistry registry) throws Exception;
    }

    private void withSender(int port, Body body, String... properties) {
        runner(port, properties).run(context -> {
            assertThat(context).hasNotFailed();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(PipeliningSmtpMetrics.class).bindTo(registry);
            body.run(context.getBean(PipelinedMailSender.class), registry);
        });
    }

    @Test
    void unpreparableMessagesCountTheirToCcAndBccRecipientsAsFailed() throws Exception {
        server = ScriptedSmtpServer.start();
        withSender(server.port(), (sender, registry) -> {
            MimeMessage noFrom = sender.createMimeMessage();
            noFrom.setRecipients(MimeMessage.RecipientType.TO, "to-x@example.net");
            noFrom.setRecipients(MimeMessage.RecipientType.CC, "cc-y@example.net");
            noFrom.setRecipients(MimeMessage.RecipientType.BCC, "bcc-z@example.net");
            noFrom.setText("no sender");
            SendReport report = sender.sendAndReport(message(sender, "a@example.net", "b@example.net"), noFrom,
                    message(sender, "c@example.net"));
            assertThat(settled(report)).isEqualTo(6);
            assertThat(settled(registry)).isEqualTo(6);
            assertThat(recipients(registry, "failed")).isEqualTo(3);
            assertThat(recipients(registry, "succeeded")).isEqualTo(3);
            assertThat(registry.get("smtp.pipelining.messages").tag("outcome", "failed").counter().count())
                    .isEqualTo(1);
        }, "smtp.pipelining.pool.max-connections=2");
        assertThat(server.messages()).hasSize(2);
    }

    @Test
    void staleConnectionRetriedOnANewOneCountsEachRecipientOnce() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(s -> {
            int[] mails = {0};
            StandardSession.builder().commandHook((session, line) -> {
                if (line.startsWith("MAIL") && session.connectionIndex() == 0 && ++mails[0] == 2) {
                    session.reply("421 4.4.2 mail.example.com Error: timeout exceeded");
                    session.closeFin();
                    return List.of();
                }
                return null;
            }).build().run(s);
        });
        withSender(server.port(), (sender, registry) -> {
            assertThat(sender.sendAndReport(message(sender, "a@example.net", "b@example.net")).allSucceeded()).isTrue();
            SendReport second = sender.sendAndReport(message(sender, "c@example.net", "d@example.net"));
            assertThat(second.allSucceeded()).as(second.toString()).isTrue();
            assertThat(settled(registry)).isEqualTo(4);
            assertThat(recipients(registry, "succeeded")).isEqualTo(4);
            assertThat(registry.get("smtp.pipelining.recipients.accepted").counter().count()).isEqualTo(4);
            assertThat(recipients(registry, "failed")).isZero();
        }, "smtp.pipelining.pool.max-connections=1");
        assertThat(server.connectionCount()).isEqualTo(2);
        assertThat(server.messages()).hasSize(2);
    }

    @Test
    void tooManyRecipientSplitsOnTwoConnectionsCountEachRecipientOnce() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(s -> {
            int[] rcpts = {0};
            StandardSession.builder()
                    .mailReply((session, address) -> {
                        rcpts[0] = 0;
                        return null;
                    })
                    .rcptReply((session, address) -> ++rcpts[0] > 3 ? List.of("452 4.5.3 Too many recipients") : null)
                    .build().run(s);
        });
        withSender(server.port(), (sender, registry) -> {
            MimeMessage[] batch = new MimeMessage[4];
            for (int i = 0; i < batch.length; i++) {
                String[] to = new String[5 + i];
                for (int k = 0; k < to.length; k++) {
                    to[k] = "r" + i + "-" + k + "@example.net";
                }
                batch[i] = message(sender, to);
            }
            SendReport report = sender.sendAndReport(batch);
            assertThat(report.allSucceeded()).as(report.toString()).isTrue();
            assertThat(settled(registry)).isEqualTo(5 + 6 + 7 + 8);
            assertThat(recipients(registry, "succeeded")).isEqualTo(26);
            assertThat(registry.get("smtp.pipelining.recipients.accepted").counter().count()).isEqualTo(26);
        }, "smtp.pipelining.pool.max-connections=2");
        assertThat(server.messages().stream().mapToInt(m -> m.recipients().size()).sum()).isEqualTo(26);
    }

    @Test
    void limitsSplitsAcrossTransactionsAndConnectionsCountEachRecipientOnce() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().ehloReply("250-mail.example.com", "250-PIPELINING",
                "250-LIMITS RCPTMAX=2 MAILMAX=2", "250 8BITMIME").build());
        withSender(server.port(), (sender, registry) -> {
            SendReport report = sender.sendAndReport(
                    message(sender, "a1@example.net", "a2@example.net", "a3@example.net"),
                    message(sender, "b1@example.net", "b2@example.net", "b3@example.net"),
                    message(sender, "c1@example.net", "c2@example.net", "c3@example.net"));
            assertThat(report.allSucceeded()).as(report.toString()).isTrue();
            assertThat(settled(registry)).isEqualTo(9);
            assertThat(recipients(registry, "succeeded")).isEqualTo(9);
            assertThat(registry.get("smtp.pipelining.messages").tag("outcome", "succeeded").counter().count())
                    .isEqualTo(3);
        }, "smtp.pipelining.pool.max-connections=1");
        assertThat(server.messages()).hasSize(6);
    }

    @Test
    void aBatchThatCannotConnectCountsEveryRecipientAsFailed() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        withSender(port, (sender, registry) -> {
            SendReport report = sender.sendAndReport(message(sender, "a@example.net", "b@example.net"),
                    message(sender, "c@example.net"));
            assertThat(report.failed()).isEqualTo(3);
            assertThat(settled(registry)).isEqualTo(3);
            assertThat(recipients(registry, "failed")).isEqualTo(3);
        }, "smtp.pipelining.pool.max-connections=2");
    }

    /**
     * AUTH refused: nothing is delivered, the sender throws MailAuthenticationException, but the batch
     * happened and its 3 recipients failed. The meters must say so (the send timer too), or a
     * dashboard shows zero failures while every mail is refused.
     */
    @Test
    void aBatchRefusedAtAuthCountsItsRecipientsAsFailed() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().credentials("user@example.com", "other-password")
                .requireAuth(true).build());
        withSender(server.port(), (sender, registry) -> {
            assertThatThrownBy(() -> sender.sendAndReport(message(sender, "a@example.net", "b@example.net"),
                    message(sender, "c@example.net"))).isInstanceOf(MailAuthenticationException.class);
            assertThat(registry.get("smtp.pipelining.send").timer().count()).as("batches timed").isEqualTo(1);
            assertThat(recipients(registry, "failed")).as("recipients failed").isEqualTo(3);
            assertThat(settled(registry)).isEqualTo(3);
        }, "smtp.pipelining.pool.max-connections=1", "smtp.pipelining.username=user@example.com",
                "smtp.pipelining.password=S3cret-Pa55", "smtp.pipelining.allow-plaintext-auth=true", "smtp.pipelining.tls=none");
        assertThat(server.messages()).isEmpty();
    }

    @Test
    void messageWithAnAddressThatCannotBeWrittenCountsAsFailed() throws Exception {
        server = ScriptedSmtpServer.start();
        withSender(server.port(), (sender, registry) -> {
            MimeMessage bad = message(sender, "ok@example.net");
            // parses as a header, but cannot be written as RCPT TO:<...> (angle bracket in the local part)
            bad.addRecipient(MimeMessage.RecipientType.BCC, new InternetAddress("\"x>attacker\"@example.org"));
            assertThat(bad.getAllRecipients()).hasSize(2);
            SendReport report = sender.sendAndReport(bad, message(sender, "fine@example.net"));
            assertThat(settled(registry)).isEqualTo(3);
            assertThat(recipients(registry, "failed")).isEqualTo(2);
            assertThat(recipients(registry, "succeeded")).isEqualTo(1);
            assertThat(settled(report)).isEqualTo(3);
        }, "smtp.pipelining.pool.max-connections=1");
        assertThat(server.commands()).extracting(c -> c.line()).noneMatch(l -> l.contains("attacker"));
    }

}
