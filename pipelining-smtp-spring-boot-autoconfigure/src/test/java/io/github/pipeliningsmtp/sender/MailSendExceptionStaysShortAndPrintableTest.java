package io.github.pipeliningsmtp.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailSendException;

/**
 * The {@link MailSendException} of a hostile or very failing batch: server text (ESC sequences, NUL,
 * BEL, NEL, U+2028, U+2029) escaped in its message, its failures' messages, its stack trace and the
 * wire TRACE log, while the ledger keeps the raw reply; and 500 failed messages give a message of
 * less than 1,000 characters that says "and 497 more", with all 500 in getFailedMessages().
 */
class MailSendExceptionStaysShortAndPrintableTest {

    private static final String HOSTILE = "\u001b[31mred\u001b[0m nul\u0000 bel\u0007 nel\u0085 ls\u2028 ps\u2029"
            + " 2024-01-01 INFO forged log line";
    private static final String[] RAW = {"\u001b", "\u0000", "\u0007", "\u0085", "\u2028", "\u2029"};

    private ScriptedSmtpServer server;
    private PipelinedMailSender sender;

    private void start(StandardSession session, int maxConnections) throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(session);
        sender = Senders.sender(ClientFixtures.settings(server.port()).build(), maxConnections, SmtpListener.NONE);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (sender != null) {
            sender.close();
            assertThat(sender.pool().active()).isZero();
        }
        if (server != null) {
            server.awaitNoOpenConnections(Duration.ofSeconds(3));
            assertThat(server.scriptErrors()).isEmpty();
            server.close();
        }
    }

    private static void assertEscaped(String text) {
        assertThat(text).doesNotContain(RAW).contains("\\x1b[31mred", "\\x00", "\\x07", "\\x85", "\\u2028",
                "\\u2029");
    }

    private static String stackTrace(Throwable e) {
        StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        e.printStackTrace(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(text.toString());
        return text.toString();
    }

    @Test
    void serverTextIsEscapedInTheExceptionAndTheLogButRawInTheLedger() throws Exception {
        start(StandardSession.builder().rcptReply((s, address) -> address.startsWith("bad")
                ? List.of("550 5.1.1 " + HOSTILE) : null).build(), 1);
        MimeMessage partial = Senders.message(sender, "a@example.net", "bad-1@example.net");
        MimeMessage refused = Senders.message(sender, "bad-2@example.net");
        List<String> log = new CopyOnWriteArrayList<>();
        MailSendException e;
        try (AutoCloseable capture = capture(log)) {
            e = assertThrows(MailSendException.class, () -> sender.send(partial, refused));
        }
        assertEscaped(e.getMessage());
        assertEscaped(e.toString());
        assertEscaped(stackTrace(e));
        assertThat(e.getFailedMessages()).containsOnlyKeys(partial, refused);
        for (Exception failure : e.getFailedMessages().values()) {
            assertEscaped(failure.getMessage());
        }
        MessageLedger ledger = ((MessageDeliveryException) e.getFailedMessages().get(partial)).ledger().orElseThrow();
        RecipientResult bad = ledger.recipients().get(1);
        assertThat(bad.status()).isEqualTo(RecipientStatus.FAILED);
        assertThat(bad.rcptReply().orElseThrow().text()).isEqualTo(HOSTILE);
        assertEscaped(bad.error().orElseThrow().toString());
        String logged = String.join("", log);
        assertThat(logged).contains("S: 550 5.1.1 \\x1b[31mred");
        assertEscaped(logged);
    }

    @Test
    void fiveHundredFailuresGiveAShortMessageAndTheMapHasEveryOne() throws Exception {
        String longText = "mailbox unavailable " + "x".repeat(300) + " " + HOSTILE;
        start(StandardSession.builder().rcptReply((s, address) -> List.of("550 5.1.1 <" + address + "> " + longText))
                .build(), 2);
        MimeMessage[] batch = new MimeMessage[500];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = Senders.message(sender, ClientFixtures.rcpt(i), "second-" + i + "@example.net");
        }
        MailSendException e = assertThrows(MailSendException.class, () -> sender.send(batch));

        assertThat(e.getMessage()).hasSizeLessThan(1_000)
                .startsWith("500 of 500 messages were not delivered to every recipient (messages=500 ")
                .contains("Failed messages: MessageDeliveryException: message FAILED: rcpt-0@example.net FAILED")
                .endsWith("; and 497 more (every one in getFailedMessages())")
                .doesNotContain(RAW);
        assertThat(e.toString()).hasSizeLessThan(1_100);
        String trace = stackTrace(e);
        assertThat(trace.split("Failed message ", -1)).hasSize(4);
        // the traces of the first three failures only (Spring's own prints all 500)
        assertThat(trace).contains("rcpt-2@example.net", "... and 497 more failed messages")
                .doesNotContain("rcpt-3@example.net", "rcpt-499@example.net").doesNotContain(RAW);

        assertThat(e.getFailedMessages()).hasSize(500).containsOnlyKeys((Object[]) batch);
        assertThat(e.getMessageExceptions()).hasSize(500);
        for (int i = 0; i < batch.length; i++) {
            MessageDeliveryException failure = (MessageDeliveryException) e.getFailedMessages().get(batch[i]);
            // one message's own text is bounded too: two recipients of 200 characters at most each
            assertThat(failure.getMessage()).hasSizeLessThan(500).doesNotContain(RAW);
            MessageLedger ledger = failure.ledger().orElseThrow();
            assertThat(ledger.recipients()).hasSize(2).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
                assertThat(r.rcptReply().orElseThrow().text()).endsWith(longText);
            });
        }
    }

    @Test
    void aMessageWithManyRefusedRecipientsShowsTheFirstThreeAndACount() throws Exception {
        start(StandardSession.builder().rcptReply((s, address) -> address.startsWith("bad")
                ? List.of("550 5.1.1 <" + address + "> User unknown") : null).build(), 1);
        String[] to = new String[51];
        to[0] = "good@example.net";
        for (int i = 1; i < to.length; i++) {
            to[i] = "bad-" + i + "@example.net";
        }
        MimeMessage m = Senders.message(sender, to);
        MailSendException e = assertThrows(MailSendException.class, () -> sender.send(m));
        MessageDeliveryException failure = (MessageDeliveryException) e.getFailedMessages().get(m);
        assertThat(failure.getMessage()).startsWith("message PARTIAL: bad-1@example.net FAILED")
                .contains("bad-3@example.net FAILED").doesNotContain("bad-4@")
                .endsWith(" and 47 more recipients not delivered (in the ledger)");
        assertThat(failure.ledger().orElseThrow().recipients(RecipientStatus.FAILED)).hasSize(50);
    }

    private static AutoCloseable capture(List<String> lines) {
        Logger logger = Logger.getLogger("io.github.pipeliningsmtp");
        Level previous = logger.getLevel();
        SimpleFormatter formatter = new SimpleFormatter();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getLevel() + " " + formatter.formatMessage(record)
                        + (record.getThrown() != null ? " " + record.getThrown() : ""));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        logger.setLevel(Level.ALL);
        logger.addHandler(handler);
        return () -> {
            logger.removeHandler(handler);
            logger.setLevel(previous);
        };
    }
}
