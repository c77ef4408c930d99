package io.github.pipeliningsmtp.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.Credentials;
import io.github.pipeliningsmtp.client.FailureType;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.RecipientResult;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SmtpError;
import io.github.pipeliningsmtp.delivery.SmtpMailer;
import io.github.pipeliningsmtp.protocol.SmtpStep;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TestSmtpServerTest {

    private TestSmtpServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void advertisesPipeliningAndChunkingSoABatchTakesFewerRoundTripsThanMessages() throws Exception {
        server = TestSmtpServer.start();
        assertThat(server.capabilities()).contains("PIPELINING", "CHUNKING", "SIZE 10485760", "8BITMIME");
        try (SmtpMailer mailer = Mail.mailer(server)) {
            MimeMessage[] batch = IntStream.range(0, 20).mapToObj(i -> message(mailer, "m" + i, "r" + i + "@example.com"))
                    .toArray(MimeMessage[]::new);
            SendReport report = mailer.send(batch);
            assertThat(report.succeeded()).isEqualTo(20);
            // one command at a time costs at least 4 round trips a message; BDAT windows far fewer than one
            assertThat(report.roundTrips()).isLessThan(20);
        }
        assertThat(server.commands()).anyMatch(c -> c.startsWith("BDAT ")).noneMatch(c -> c.equals("DATA"));
        assertThat(server.messages()).hasSize(20);
        assertThat(server.messages().get(7).recipients()).containsExactly("r7@example.com");
    }

    @Test
    void withoutChunkingTheClientPipelinesDataWithNPlusOneRoundTrips() throws Exception {
        server = TestSmtpServer.builder().chunking(false).start();
        assertThat(server.capabilities()).contains("PIPELINING").doesNotContain("CHUNKING");
        try (SmtpMailer mailer = Mail.mailer(server)) {
            SendReport report = mailer.send(IntStream.range(0, 10).mapToObj(i -> message(mailer, "m" + i, "a@example.com"))
                    .toArray(MimeMessage[]::new));
            assertThat(report.succeeded()).isEqualTo(10);
            assertThat(report.roundTrips()).isLessThanOrEqualTo(11);
        }
        assertThat(server.commands()).contains("DATA").noneMatch(c -> c.startsWith("BDAT"));
    }

    @Test
    void withoutPipeliningTheClientSendsOneCommandAtATimeAndStillDelivers() throws Exception {
        server = TestSmtpServer.builder().pipelining(false).start();
        assertThat(server.capabilities()).doesNotContain("PIPELINING");
        try (SmtpMailer mailer = Mail.mailer(server)) {
            SendReport report = mailer.send(message(mailer, "one", "a@example.com"), message(mailer, "two", "b@example.com"));
            assertThat(report.succeeded()).isEqualTo(2);
            assertThat(report.roundTrips()).isGreaterThanOrEqualTo(8);
        }
        assertThat(server.messages()).hasSize(2);
    }

    @Test
    void aReceivedMessageShowsItsEnvelopeHeadersAndDecodedText() throws Exception {
        server = TestSmtpServer.start();
        try (SmtpMailer mailer = Mail.mailer(server)) {
            MimeMessage m = Mail.message(mailer, "news@example.com", "Grüße aus Köln", "Hallo Zoë,\n.a dotted line\nbye\n",
                    "ann@example.com", "ben@example.com");
            m.addRecipient(Message.RecipientType.BCC, new InternetAddress("boss@example.com"));
            assertThat(mailer.send(m).allSucceeded()).isTrue();
        }
        ReceivedMessage received = server.messages().get(0);
        assertThat(received.envelopeSender()).isEqualTo("news@example.com");
        assertThat(received.recipients()).containsExactlyInAnyOrder("ann@example.com", "ben@example.com", "boss@example.com");
        assertThat(received.subject()).isEqualTo("Grüße aus Köln");
        assertThat(received.header("subject")).hasValue("Grüße aus Köln");
        assertThat(received.header("To")).hasValue("ann@example.com, ben@example.com");
        assertThat(received.header("Bcc")).isEmpty();
        assertThat(received.text()).hasValue("Hallo Zoë,\n.a dotted line\nbye\n");
        assertThat(received.html()).isEmpty();
        assertThat(received.content()).contains("\r\n\r\n");
    }

    @Test
    void textAndHtmlAreFoundInAMultipartMessage() throws Exception {
        server = TestSmtpServer.start();
        try (SmtpMailer mailer = Mail.mailer(server)) {
            MimeMessage m = mailer.createMimeMessage();
            m.setFrom("news@example.com");
            m.setRecipients(Message.RecipientType.TO, "ann@example.com");
            m.setSubject("Both");
            MimeMultipart alternative = new MimeMultipart("alternative");
            MimeBodyPart text = new MimeBodyPart();
            text.setText("plain €\n", "UTF-8");
            MimeBodyPart html = new MimeBodyPart();
            html.setContent("<p>html €</p>", "text/html; charset=UTF-8");
            alternative.addBodyPart(text);
            alternative.addBodyPart(html);
            m.setContent(alternative);
            assertThat(mailer.send(m).allSucceeded()).isTrue();
        }
        ReceivedMessage received = server.messages().get(0);
        assertThat(received.text()).hasValue("plain €\n");
        assertThat(received.html()).hasValue("<p>html €</p>");
    }

    @Test
    void aRefusedRecipientFailsWithTheReplyAndTheOthersAreDelivered() throws Exception {
        server = TestSmtpServer.start();
        server.refuseRecipient("BEN@example.com", 550, "5.1.1", "No such user");
        SendReport report;
        try (SmtpMailer mailer = Mail.mailer(server)) {
            report = mailer.send(Mail.message(mailer, "me@example.com", "hi", "hello\n", "ann@example.com", "ben@example.com"));
        }
        MessageLedger ledger = report.entries().get(0).ledger();
        assertThat(ledger.status()).isEqualTo(MessageStatus.PARTIAL);
        RecipientResult ben = ledger.recipients(RecipientStatus.FAILED).get(0);
        assertThat(ben.address()).isEqualTo("ben@example.com");
        SmtpError error = ben.error().orElseThrow();
        assertThat(error.step()).isEqualTo(SmtpStep.RCPT_TO);
        assertThat(error.code()).isEqualTo(550);
        assertThat(error.enhancedStatusCode()).hasValue("5.1.1");
        assertThat(error.type()).isEqualTo(FailureType.PERMANENT);
        assertThat(server.messages()).singleElement().satisfies(m -> assertThat(m.recipients()).containsExactly("ann@example.com"));
    }

    @Test
    void aRefusalAtMailFromSelectedBySenderFailsOnlyThatSendersMessages() throws Exception {
        server = TestSmtpServer.start();
        server.refuse(Refusal.at(Stage.MAIL_FROM, 451, "4.7.1", "Try again later").forSender("spammy@example.com"));
        SendReport report;
        try (SmtpMailer mailer = Mail.mailer(server)) {
            report = mailer.send(Mail.message(mailer, "spammy@example.com", "a", "a\n", "ann@example.com"),
                    Mail.message(mailer, "fine@example.com", "b", "b\n", "ann@example.com"));
        }
        SmtpError error = report.entries().get(0).ledger().firstError().orElseThrow();
        assertThat(error.step()).isEqualTo(SmtpStep.MAIL_FROM);
        assertThat(error.type()).isEqualTo(FailureType.TRANSIENT);
        assertThat(report.entries().get(1).succeeded()).isTrue();
        assertThat(server.messages()).extracting(ReceivedMessage::envelopeSender).containsExactly("fine@example.com");
    }

    @Test
    void aDataRefusalIsTheDataReplyOrWithChunkingTheFirstChunksReply() throws Exception {
        for (boolean chunking : new boolean[] {false, true}) {
            try (TestSmtpServer s = TestSmtpServer.builder().chunking(chunking).start()) {
                s.refuseAt(Stage.DATA, 554, "5.7.1", "Not from you");
                SendReport report;
                try (SmtpMailer mailer = Mail.mailer(s)) {
                    report = mailer.send(message(mailer, "x", "ann@example.com"));
                }
                MessageLedger ledger = report.entries().get(0).ledger();
                assertThat(ledger.status()).as("chunking %s", chunking).isEqualTo(MessageStatus.FAILED);
                SmtpError error = ledger.firstError().orElseThrow();
                assertThat(error.step()).isEqualTo(chunking ? SmtpStep.BDAT : SmtpStep.DATA);
                assertThat(error.code()).isEqualTo(554);
                assertThat(s.messages()).isEmpty();
            }
        }
    }

    @Test
    void anEndOfDataRefusalGivenOnceFailsTheFirstMessageToThatRecipientOnly() throws Exception {
        for (boolean chunking : new boolean[] {false, true}) {
            try (TestSmtpServer s = TestSmtpServer.builder().chunking(chunking).start()) {
                s.refuse(Refusal.at(Stage.END_OF_DATA, 552, "5.3.4", "Message too big for ann").forRecipient("ann@example.com")
                        .times(1));
                SendReport report;
                try (SmtpMailer mailer = Mail.mailer(s)) {
                    report = mailer.send(message(mailer, "to ben", "ben@example.com"), message(mailer, "first", "ann@example.com"),
                            message(mailer, "second", "ann@example.com"));
                }
                assertThat(report.entries()).extracting(e -> e.ledger().status()).as("chunking %s", chunking)
                        .containsExactly(MessageStatus.SUCCEEDED, MessageStatus.FAILED, MessageStatus.SUCCEEDED);
                SmtpError error = report.entries().get(1).ledger().firstError().orElseThrow();
                assertThat(error.step()).isEqualTo(chunking ? SmtpStep.BDAT : SmtpStep.END_OF_DATA);
                assertThat(error.enhancedStatusCode()).hasValue("5.3.4");
                assertThat(s.messages()).extracting(ReceivedMessage::subject).containsExactly("to ben", "second");
            }
        }
    }

    @Test
    void resetForgetsMessagesCommandsAndRefusals() throws Exception {
        server = TestSmtpServer.start();
        server.refuseRecipient("ann@example.com");
        try (SmtpMailer mailer = Mail.mailer(server)) {
            assertThat(mailer.send(message(mailer, "one", "ann@example.com"), message(mailer, "two", "ben@example.com"))
                    .failed()).isEqualTo(1);
            assertThat(server.messages()).hasSize(1);
            server.reset();
            assertThat(server.messages()).isEmpty();
            assertThat(server.commands()).isEmpty();
            assertThat(mailer.send(message(mailer, "three", "ann@example.com")).allSucceeded()).isTrue();
        }
        assertThat(server.messages()).extracting(ReceivedMessage::subject).containsExactly("three");
        assertThat(server.commands()).anyMatch(c -> c.startsWith("MAIL FROM:"));
    }

    @Test
    void awaitMessagesReturnsOnceMailSentInTheBackgroundArrives() throws Exception {
        server = TestSmtpServer.start();
        try (SmtpMailer mailer = Mail.mailer(server)) {
            CompletableFuture<SendReport> sent = CompletableFuture.supplyAsync(
                    () -> mailer.send(message(mailer, "a", "ann@example.com"), message(mailer, "b", "ben@example.com")));
            assertThat(server.awaitMessages(2)).extracting(ReceivedMessage::subject).containsExactly("a", "b");
            assertThat(sent.get().allSucceeded()).isTrue();
        }
    }

    @Test
    void awaitMessagesFailsAfterItsTimeoutNamingWhatArrived() {
        server = TestSmtpServer.start();
        assertThatThrownBy(() -> server.awaitMessages(1, Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("expected 1 messages within PT0.05S, got 0");
    }

    @Test
    void anyCredentialsAreTakenWithPlainAndLogin() throws Exception {
        server = TestSmtpServer.start();
        for (String mechanism : List.of("PLAIN", "LOGIN")) {
            ConnectionSettings settings = ConnectionSettings.builder(server.host(), server.port())
                    .credentials(Credentials.password("app@example.com", "whatever")).allowPlaintextAuth(true)
                    .authMechanism(mechanism).build();
            try (SmtpMailer mailer = Mail.mailer(settings)) {
                assertThat(mailer.send(message(mailer, mechanism, "ann@example.com")).allSucceeded()).as(mechanism).isTrue();
            }
        }
        assertThat(server.commands()).anyMatch(c -> c.startsWith("AUTH PLAIN")).anyMatch(c -> c.startsWith("AUTH LOGIN"));
    }

    @Test
    void aRefusalIsCheckedWhenBuilt() {
        assertThatThrownBy(() -> Refusal.at(Stage.RCPT_TO, 250, null, "Ok")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("400 to 599");
        assertThatThrownBy(() -> Refusal.at(Stage.RCPT_TO, 550, "4.1.1", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit");
        assertThatThrownBy(() -> Refusal.at(Stage.RCPT_TO, 550, null, "a\r\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Refusal.at(Stage.MAIL_FROM, 550, null, "x").forRecipient("a@example.com"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Refusal.at(Stage.RCPT_TO, 550, "5.1.1", "No such user").replyLine()).isEqualTo("550 5.1.1 No such user");
        assertThat(Refusal.at(Stage.RCPT_TO, 450, null, "Busy").replyLine()).isEqualTo("450 Busy");
    }

    private static MimeMessage message(SmtpMailer mailer, String subject, String to) {
        try {
            return Mail.message(mailer, "me@example.com", subject, subject + "\n", to);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
