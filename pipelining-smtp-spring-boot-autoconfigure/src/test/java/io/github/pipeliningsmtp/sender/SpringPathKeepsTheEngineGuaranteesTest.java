package io.github.pipeliningsmtp.sender;

import static io.github.pipeliningsmtp.sender.Senders.message;
import static io.github.pipeliningsmtp.sender.Senders.runner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.autoconfigure.health.PipeliningSmtpHealthIndicator;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerOptions;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testing.TestCertificates;
import jakarta.mail.MessagingException;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailParseException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.MimeMessagePreparator;

/** The Spring side: health with TLS, secrets on the Spring path, SimpleMailMessage, preparators, raw messages, pool limits, RSET. */
@ExtendWith(OutputCaptureExtension.class)
class SpringPathKeepsTheEngineGuaranteesTest {

    private static final String[] SECRETS = {"S3cret-Pa55", "UzNjcmV0LVBhNTU=",
        "AHVzZXJAZXhhbXBsZS5jb20AUzNjcmV0LVBhNTU=", "dXNlckBleGFtcGxlLmNvbQ=="};

    private ScriptedSmtpServer server;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.awaitNoOpenConnections(Duration.ofSeconds(5));
            server.close();
        }
    }

    private static String[] bundle(Path dir, TestCertificates certificates) throws Exception {
        Path trustStore = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            certificates.trustStore().store(out, TestCertificates.PASSWORD.toCharArray());
        }
        return new String[] {"smtp.pipelining.ssl-bundle=smtp",
            "spring.ssl.bundle.jks.smtp.truststore.location=file:" + trustStore,
            "spring.ssl.bundle.jks.smtp.truststore.password=" + TestCertificates.PASSWORD,
            "spring.ssl.bundle.jks.smtp.truststore.type=PKCS12", "smtp.pipelining.host=localhost",
            "smtp.pipelining.username=user@example.com", "smtp.pipelining.password=S3cret-Pa55"};
    }

    // ---------------------------------------------------------------- health

    @Test
    void healthWithStartTlsRequiredAndACertificateForAnotherHostIsDownWithoutSecrets(@TempDir Path dir)
            throws Exception {
        TestCertificates certificates = TestCertificates.create();
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder()
                .startTls(certificates.serverContext("other.example.net")).build());
        runner(server.port(), bundle(dir, certificates)).withPropertyValues("smtp.pipelining.tls=starttls-required")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Health health = context.getBean(PipeliningSmtpHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    String details = health.getDetails().toString();
                    assertThat(details).contains("SSLHandshakeException").contains("localhost");
                    for (String secret : SECRETS) {
                        assertThat(details).doesNotContain(secret);
                    }
                    assertThat(context.getBean(PipelinedMailSender.class).pool().active()).isZero();
                });
        assertThat(server.commands()).extracting(RecordedCommand::line)
                .noneMatch(l -> l.startsWith("AUTH") || l.startsWith("MAIL"));
    }

    @Test
    void healthWithImplicitTlsIsUpWithTlsTrueAndDownForAWrongCertificate(@TempDir Path dir) throws Exception {
        TestCertificates certificates = TestCertificates.create();
        String[] props = bundle(dir, certificates);
        try (ScriptedSmtpServer good = ScriptedSmtpServer.start(
                ServerOptions.defaults().withSslContext(certificates.serverContext("localhost")));
             ScriptedSmtpServer bad = ScriptedSmtpServer.start(
                     ServerOptions.defaults().withSslContext(certificates.selfSignedServerContext("localhost")))) {
            runner(good.port(), props).withPropertyValues("smtp.pipelining.tls=implicit").run(context -> {
                Health health = context.getBean(PipeliningSmtpHealthIndicator.class).health();
                assertThat(health.getStatus()).as(health.toString()).isEqualTo(Status.UP);
                assertThat(health.getDetails()).containsEntry("encrypted", true).containsEntry("tlsMode", "implicit")
                        .containsEntry("pipelining", true).doesNotContainKey("starttlsOffered");
            });
            runner(bad.port(), props).withPropertyValues("smtp.pipelining.tls=implicit").run(context -> {
                Health health = context.getBean(PipeliningSmtpHealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                for (String secret : SECRETS) {
                    assertThat(health.getDetails().toString()).doesNotContain(secret);
                }
            });
            good.awaitNoOpenConnections(Duration.ofSeconds(5));
            bad.awaitNoOpenConnections(Duration.ofSeconds(5));
            assertThat(good.commands()).extracting(RecordedCommand::line).noneMatch(l -> l.startsWith("AUTH"));
        }
    }

    @Test
    void healthChecksBetweenSendsDoNotDisturbThePool() throws Exception {
        server = ScriptedSmtpServer.start();
        runner(server.port(), "smtp.pipelining.pool.max-connections=1", "smtp.pipelining.health.cache-time=0s")
                .run(context -> {
                    PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                    PipeliningSmtpHealthIndicator health = context.getBean(PipeliningSmtpHealthIndicator.class);
                    assertThat(sender.sendAndReport(message(sender, "a@example.net")).allSucceeded()).isTrue();
                    assertThat(sender.pool().idle()).isEqualTo(1);
                    for (int i = 0; i < 3; i++) {
                        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                    }
                    assertThat(sender.pool().idle()).isEqualTo(1);
                    assertThat(sender.pool().active()).isZero();
                    assertThat(sender.sendAndReport(message(sender, "b@example.net")).allSucceeded()).isTrue();
                });
        // the pool's one connection carried both messages; each health check had its own, ended by QUIT
        assertThat(server.messages()).extracting(StoredMessage::connectionIndex).containsExactly(0, 0);
        assertThat(server.connectionCount()).isEqualTo(4);
        for (int c = 1; c <= 3; c++) {
            assertThat(server.commands(c)).extracting(RecordedCommand::line).last().isEqualTo("QUIT");
            assertThat(server.commands(c)).extracting(RecordedCommand::line).noneMatch(l -> l.startsWith("MAIL"));
        }
    }

    // ---------------------------------------------------------------- secrets on the Spring path

    /** JUL handler on the library's loggers at the most verbose level. */
    private static final class Jul implements AutoCloseable {
        final Logger logger = Logger.getLogger("io.github.pipeliningsmtp");
        final Level previous = logger.getLevel();
        final StringBuilder out = new StringBuilder();
        final Handler handler = new Handler() {
            @Override
            public synchronized void publish(LogRecord r) {
                out.append(r.getLevel()).append(' ').append(new java.util.logging.SimpleFormatter().formatMessage(r))
                        .append(r.getThrown() != null ? " " + r.getThrown() : "").append('\n');
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };

        Jul() {
            handler.setLevel(Level.ALL);
            logger.setLevel(Level.ALL);
            logger.addHandler(handler);
        }

        @Override
        public void close() {
            logger.removeHandler(handler);
            logger.setLevel(previous);
        }
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
            for (Throwable s : c.getSuppressed()) {
                sb.append(s).append('\n');
            }
        }
        if (t instanceof MailSendException mse) {
            mse.getFailedMessages().values().forEach(e -> sb.append(chain(e)));
        }
        return sb.toString();
    }

    @Test
    void credentialsNeverInLogsOrExceptionsOnTheSpringPath(CapturedOutput output) throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(s -> {
            if (s.connectionIndex() == 0) {
                StandardSession.builder().credentials("user@example.com", "wrong").requireAuth(true).build().run(s);
            } else {
                StandardSession.builder().credentials("user@example.com", "S3cret-Pa55").requireAuth(true)
                        .rcptReply((ss, a) -> a.startsWith("bad") ? List.of("550 5.1.1 User unknown") : null)
                        .build().run(s);
            }
        });
        StringBuilder seen = new StringBuilder();
        try (Jul jul = new Jul()) {
            runner(server.port(), "smtp.pipelining.pool.max-connections=1", "smtp.pipelining.tls=none",
                    "smtp.pipelining.allow-plaintext-auth=true", "smtp.pipelining.username=user@example.com",
                    "smtp.pipelining.password=S3cret-Pa55", "smtp.pipelining.auth-mechanism=LOGIN",
                    "logging.level.io.github.pipeliningsmtp=TRACE").run(context -> {
                        PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                        MailAuthenticationException auth = org.junit.jupiter.api.Assertions.assertThrows(
                                MailAuthenticationException.class, () -> sender.send(message(sender, "a@example.net")));
                        assertThat(auth.getMessage()).contains("535");
                        seen.append(chain(auth));
                        MailSendException send = org.junit.jupiter.api.Assertions.assertThrows(MailSendException.class,
                                () -> sender.send(message(sender, "ok@example.net", "bad@example.net")));
                        seen.append(chain(send));
                        SendReport report = sender.sendAndReport(message(sender, "bad@example.net"));
                        seen.append(report).append(report.entries()).append(report.entries().get(0).ledger());
                        seen.append(sender).append(sender.pool().connectionSettings());
                        seen.append(context.getBean(io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpProperties.class));
                    });
            seen.append(jul.out);
        }
        seen.append(output.getAll());
        assertThat(server.commands()).extracting(RecordedCommand::line).anyMatch(l -> l.startsWith("AUTH LOGIN"));
        for (String secret : SECRETS) {
            assertThat(seen.toString()).doesNotContain(secret);
        }
    }

    // ---------------------------------------------------------------- messages

    @Test
    void simpleMailMessageWithCcAndBccReachesEveryRecipientAndBccIsNotInTheContent() throws Exception {
        server = ScriptedSmtpServer.start();
        runner(server.port()).run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            SimpleMailMessage m = new SimpleMailMessage();
            m.setFrom("sender@example.com");
            m.setTo("to-1@example.net", "to-2@example.net");
            m.setCc("cc-1@example.net");
            m.setBcc("hidden-1@example.org", "hidden-2@example.org");
            m.setSubject("cc and bcc");
            m.setText("hello");
            sender.send(m);
        });
        assertThat(server.messages()).hasSize(1);
        StoredMessage stored = server.messages().get(0);
        assertThat(stored.recipients()).containsExactlyInAnyOrder("to-1@example.net", "to-2@example.net",
                "cc-1@example.net", "hidden-1@example.org", "hidden-2@example.org");
        assertThat(stored.contentAsString()).doesNotContain("hidden-").doesNotContainIgnoringCase("Bcc:")
                .contains("cc-1@example.net");
    }

    @Test
    void aPreparatorThatThrowsMessagingExceptionIsAMailParseExceptionAndNothingIsSent() throws Exception {
        server = ScriptedSmtpServer.start();
        runner(server.port()).run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            MimeMessagePreparator good = m -> {
                m.setFrom("sender@example.com");
                m.setRecipients(jakarta.mail.Message.RecipientType.TO, "a@example.net");
                m.setText("fine");
            };
            MimeMessagePreparator bad = m -> {
                throw new MessagingException("cannot build this one");
            };
            assertThatThrownBy(() -> sender.send(good, bad)).isInstanceOf(MailParseException.class)
                    .hasRootCauseMessage("cannot build this one");
        });
        assertThat(server.connectionCount()).isZero();
    }

    @Test
    void aRawMessageWithABccHeaderGoesToTheBccButNeverShowsIt() throws Exception {
        server = ScriptedSmtpServer.start();
        String raw = "From: sender@example.com\r\nTo: to@example.net\r\nBcc: secret-bcc@example.org\r\n"
                + "BCC: other-bcc@example.org\r\nSubject: raw\r\nMessage-ID: <raw-1@example.com>\r\n\r\n"
                + "raw body\r\n.leading dot\r\n";
        runner(server.port()).run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            sender.send(sender.createMimeMessage(new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII))));
        });
        assertThat(server.messages()).hasSize(1);
        StoredMessage stored = server.messages().get(0);
        assertThat(stored.recipients()).containsExactlyInAnyOrder("to@example.net", "secret-bcc@example.org",
                "other-bcc@example.org");
        assertThat(stored.contentAsString()).doesNotContain("bcc@example.org").doesNotContainIgnoringCase("Bcc:")
                .contains("Message-ID: <raw-1@example.com>").contains("\r\n.leading dot\r\n");
    }

    // ---------------------------------------------------------------- pool limits

    @Test
    void maxMessagesPerConnectionRetiresWithQuitAndLosesNothing() throws Exception {
        server = ScriptedSmtpServer.start();
        runner(server.port(), "smtp.pipelining.pool.max-connections=1",
                "smtp.pipelining.pool.max-messages-per-connection=2").run(context -> {
                    PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                    SendReport batch = sender.sendAndReport(message(sender, "m1@example.net"),
                            message(sender, "m2@example.net"), message(sender, "m3@example.net"),
                            message(sender, "m4@example.net"), message(sender, "m5@example.net"));
                    assertThat(batch.allSucceeded()).as(batch.toString()).isTrue();
                    assertThat(sender.sendAndReport(message(sender, "m6@example.net")).allSucceeded()).isTrue();
                    assertThat(sender.sendAndReport(message(sender, "m7@example.net")).allSucceeded()).isTrue();
                });
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        assertThat(server.messages()).hasSize(7);
        assertThat(server.messages().stream().collect(java.util.stream.Collectors.groupingBy(
                StoredMessage::connectionIndex, java.util.stream.Collectors.counting())).values())
                .allMatch(n -> n <= 2);
        for (int c = 0; c < server.connectionCount(); c++) {
            assertThat(server.commands(c)).extracting(RecordedCommand::line).last().isEqualTo("QUIT");
        }
    }

    @Test
    void maxConnectionAgeRetiresWithQuitAndLosesNothing() throws Exception {
        server = ScriptedSmtpServer.start();
        runner(server.port(), "smtp.pipelining.pool.max-connections=1",
                "smtp.pipelining.pool.max-connection-age=1s").run(context -> {
                    PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                    assertThat(sender.sendAndReport(message(sender, "a1@example.net")).allSucceeded()).isTrue();
                    Thread.sleep(1300);
                    assertThat(sender.sendAndReport(message(sender, "a2@example.net")).allSucceeded()).isTrue();
                    assertThat(sender.sendAndReport(message(sender, "a3@example.net")).allSucceeded()).isTrue();
                });
        server.awaitNoOpenConnections(Duration.ofSeconds(5));
        assertThat(server.messages()).extracting(StoredMessage::connectionIndex).containsExactly(0, 1, 1);
        assertThat(server.commands(0)).extracting(RecordedCommand::line).last().isEqualTo("QUIT");
        assertThat(server.commands(1)).extracting(RecordedCommand::line).last().isEqualTo("QUIT");
    }

    // ---------------------------------------------------------------- RSET across calls

    private void assertRsetBeforeSecondMail(int connection) {
        List<String> lines = server.commands(connection).stream().map(RecordedCommand::line).toList();
        int second = -1;
        int seen = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("MAIL") && ++seen == 2) {
                second = i;
            }
        }
        assertThat(second).as(lines.toString()).isPositive();
        assertThat(lines.get(second - 1)).as(lines.toString()).isEqualTo("RSET");
    }

    @Test
    void rsetBeforeTheNextCallsMailAfterAllRecipientsRefusedAndDataRefused() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder()
                .rcptReply((s, a) -> a.startsWith("bad") ? List.of("550 5.1.1 User unknown") : null).build());
        runner(server.port(), "smtp.pipelining.pool.max-connections=1").run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            assertThat(sender.sendAndReport(message(sender, "bad-1@example.net", "bad-2@example.net")).failed())
                    .isEqualTo(2);
            SendReport next = sender.sendAndReport(message(sender, "ok@example.net"));
            assertThat(next.allSucceeded()).as(next.entries().toString()).isTrue();
        });
        assertThat(server.connectionCount()).isEqualTo(1);
        assertRsetBeforeSecondMail(0);
    }

    @Test
    void rsetBeforeTheNextCallsMailAfterAnAllOrNothingAbandon() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder()
                .rcptReply((s, a) -> a.startsWith("bad") ? List.of("550 5.1.1 User unknown") : null).build());
        runner(server.port(), "smtp.pipelining.pool.max-connections=1", "smtp.pipelining.delivery=all-or-nothing")
                .run(context -> {
                    PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                    assertThat(sender.sendAndReport(message(sender, "ok-1@example.net", "bad-2@example.net"))
                            .succeeded()).isZero();
                    SendReport next = sender.sendAndReport(message(sender, "ok-3@example.net"));
                    assertThat(next.allSucceeded()).as(next.entries().toString()).isTrue();
                });
        assertThat(server.messages()).hasSize(1);
        assertThat(server.connectionCount()).isEqualTo(1);
        assertRsetBeforeSecondMail(0);
    }

    @Test
    void rsetBeforeTheNextCallsMailWithoutPipeliningAfterARefusedRecipient() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().noPipelining(true)
                .rcptReply((s, a) -> a.startsWith("bad") ? List.of("550 5.1.1 User unknown") : null).build());
        runner(server.port(), "smtp.pipelining.pool.max-connections=1").run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            sender.sendAndReport(message(sender, "bad-1@example.net"));
            SendReport next = sender.sendAndReport(message(sender, "ok@example.net"));
            assertThat(next.allSucceeded()).as(next.entries().toString()).isTrue();
        });
        assertThat(server.connectionCount()).isEqualTo(1);
        assertRsetBeforeSecondMail(0);
    }

    @Test
    void rsetBeforeTheNextCallsMailAfterARefusedMailFrom() throws Exception {
        server = ScriptedSmtpServer.start();
        int[] mails = {0};
        server.setDefaultScript(StandardSession.builder()
                .mailReply((s, a) -> ++mails[0] == 1 ? List.of("451 4.3.0 Try again later") : null).build());
        runner(server.port(), "smtp.pipelining.pool.max-connections=1").run(context -> {
            PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
            SendReport first = sender.sendAndReport(message(sender, "a@example.net"));
            SendReport next = sender.sendAndReport(message(sender, "b@example.net"));
            assertThat(next.allSucceeded()).as(first.entries() + " / " + next.entries()).isTrue();
        });
        assertThat(server.messages()).hasSize(1);
    }
}
