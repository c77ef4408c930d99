package io.github.pipeliningsmtp.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The engine's System.Logger lines come out through Spring Boot's logging (the starter brings
 * slf4j-jdk-platform-logging), at their own levels: a WARN for a batch with a refused recipient, DEBUG
 * per connection (the port printed plainly) and per batch, and the TRACE transcript under
 * io.github.pipeliningsmtp.transcript with AUTH redacted and no content.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {"sample.batch-size=0",
        "logging.level.io.github.pipeliningsmtp=DEBUG", "logging.level.io.github.pipeliningsmtp.transcript=TRACE"})
class LoggingThroughSpringBootTest {

    private static final String USER = "user@example.com";
    private static final String PASSWORD = "S3cret-Pa55";
    private static final String BODY = "Secret newsletter body, never logged";

    private static final ScriptedSmtpServer SERVER = start();

    private static ScriptedSmtpServer start() {
        try {
            ScriptedSmtpServer server = ScriptedSmtpServer.start();
            server.setDefaultScript(StandardSession.builder().credentials(USER, PASSWORD).requireAuth(true)
                    .rcptReply((s, address) -> address.startsWith("bad")
                            ? List.of("550 5.1.1 <" + address + ">: User unknown \u001b[31m") : null)
                    .build());
            return server;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void smtp(DynamicPropertyRegistry registry) {
        registry.add("smtp.pipelining.host", () -> "127.0.0.1");
        registry.add("smtp.pipelining.port", SERVER::port);
        registry.add("smtp.pipelining.username", () -> USER);
        registry.add("smtp.pipelining.password", () -> PASSWORD);
        registry.add("smtp.pipelining.tls", () -> "none");
        registry.add("smtp.pipelining.allow-plaintext-auth", () -> "true");
    }

    @AfterAll
    static void stop() throws Exception {
        SERVER.close();
    }

    @Autowired
    private PipelinedMailSender sender;

    @Test
    void warnDebugAndTranscriptComeOutThroughSpringBootWithoutSecretsOrContent(CapturedOutput output)
            throws Exception {
        MimeMessage m = sender.createMimeMessage();
        MimeMessageHelper h = new MimeMessageHelper(m);
        h.setFrom("sample@example.com");
        h.setTo(new String[] {"ok@example.net", "bad@example.net"});
        h.setSubject("logging");
        h.setText(BODY);
        SendReport report = sender.sendAndReport(m);
        assertThat(report.failed()).isEqualTo(1);
        sender.pool().clearIdle();
        SERVER.awaitNoOpenConnections(Duration.ofSeconds(5));

        String out = output.getAll();
        assertThat(out).containsPattern("WARN .*batch of 1 messages: 1 recipients failed, 0 unknown, 1 succeeded; "
                + "reasons: failed at RCPT_TO: 550 5\\.1\\.1 <bad@example.net>: User unknown \\\\x1b\\[31m \\(1 recipient\\)");
        assertThat(out).containsPattern("DEBUG .*connected to 127\\.0\\.0\\.1:" + SERVER.port() + " tls=false");
        assertThat(out).containsPattern("DEBUG .*batch sent in \\d+ ms: messages=1 accepted=1 succeeded=1 failed=1");
        assertThat(out).containsPattern("DEBUG .*closed connection to 127\\.0\\.0\\.1:" + SERVER.port() + " after 1 messages");
        // TRACE stays TRACE (System.Logger straight to SLF4J), under the documented logger name
        assertThat(out).containsPattern("TRACE .*io\\.github\\.pipeliningsmtp\\.transcript.*C: MAIL FROM:<sample@example.com>");
        assertThat(out).containsPattern("TRACE .*S: 250").contains("C: AUTH PLAIN ****");
        assertThat(out).doesNotContain(PASSWORD)
                .doesNotContain(b64("\0" + USER + "\0" + PASSWORD))
                .doesNotContain(BODY)
                .doesNotContain("\u001b[31m");
        assertThat(out).doesNotContainPattern(":" + String.format("%,d", SERVER.port()) + "\\b");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
