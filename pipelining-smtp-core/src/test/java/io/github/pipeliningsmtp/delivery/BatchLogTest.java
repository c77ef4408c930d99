package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/**
 * One WARN per batch with failures (counts and the first few reasons, escaped), DEBUG per batch and
 * per connection with the port printed plainly; nothing at WARN for a batch that succeeded.
 */
class BatchLogTest {

    private static final class Capture extends Handler implements AutoCloseable {
        private final Logger root = Logger.getLogger("io.github.pipeliningsmtp");
        private final Level previous = root.getLevel();
        final List<String> lines = new CopyOnWriteArrayList<>();

        Capture() {
            setLevel(Level.ALL);
            root.setLevel(Level.ALL);
            root.addHandler(this);
        }

        @Override
        public void publish(LogRecord r) {
            lines.add(r.getLevel() + " " + r.getLoggerName() + " " + new SimpleFormatter().formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            root.removeHandler(this);
            root.setLevel(previous);
        }
    }

    @Test
    void aBatchWithFailuresWarnsOnceWithTheFirstReasonsAndDebugShowsThePortPlainly() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start(); Capture capture = new Capture()) {
            server.setDefaultScript(StandardSession.builder().rcptReply((s, address) -> address.startsWith("bad")
                    ? List.of("550 5.1.1 User unknown " + address.charAt(3) + "\u001b[2J") : null).build());
            ConnectionSettings settings = ConnectionSettings.builder("mail.example.com", server.port())
                    .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()}).build();
            try (SmtpMailer mailer = SmtpMailer.builder(settings)
                    .poolSettings(PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(2)).build())
                    .shutdownTimeout(Duration.ofSeconds(2)).build()) {
                SendReport ok = mailer.send(message(mailer, "ann@example.net"));
                assertThat(ok.allSucceeded()).isTrue();
                assertThat(capture.lines).noneMatch(l -> l.startsWith("WARNING"));

                SendReport report = mailer.send(message(mailer, "bad1@example.net", "bad2@example.net", "ok@example.net"),
                        message(mailer, "bad3@example.net", "bad4@example.net", "bad1@example.net"));
                assertThat(report.failed()).isEqualTo(5);
                List<String> warnings = capture.lines.stream().filter(l -> l.startsWith("WARNING")).toList();
                assertThat(warnings).hasSize(1);
                assertThat(warnings.get(0)).contains("io.github.pipeliningsmtp.delivery.SmtpMailer")
                        .contains("batch of 2 messages: 5 recipients failed, 0 unknown, 1 succeeded; reasons: ")
                        .contains("failed at RCPT_TO: 550 5.1.1 User unknown 1\\x1b[2J (2 recipients)")
                        .contains("failed at RCPT_TO: 550 5.1.1 User unknown 2\\x1b[2J (1 recipient)")
                        .contains("failed at RCPT_TO: 550 5.1.1 User unknown 3\\x1b[2J (1 recipient)")
                        .contains("and 1 more recipients for other reasons")
                        .doesNotContain("\u001b").doesNotContain("bad1@example.net");
                assertThat(capture.lines).anyMatch(l -> l.startsWith("FINE") && l.contains("batch sent in ")
                        && l.contains("messages=2 accepted=1 succeeded=1 failed=5 unknown=0"));
            }
            assertThat(capture.lines).anyMatch(l -> l.startsWith("FINE")
                    && l.contains("connected to mail.example.com:" + server.port() + " tls=false"));
            assertThat(capture.lines).anyMatch(l -> l.startsWith("FINE")
                    && l.contains("closed connection to mail.example.com:" + server.port() + " after 3 messages"));
            assertThat(String.join("\n", capture.lines)).doesNotContain(String.format("%,d", server.port()));
            server.awaitNoOpenConnections(Duration.ofSeconds(2));
        }
    }

    private static MimeMessage message(SmtpMailer mailer, String... to) throws Exception {
        MimeMessage m = mailer.createMimeMessage();
        m.setFrom(new InternetAddress("sender@example.com"));
        m.setRecipients(Message.RecipientType.TO, String.join(", ", to));
        m.setSubject("batch");
        m.setText("hello");
        return m;
    }
}
