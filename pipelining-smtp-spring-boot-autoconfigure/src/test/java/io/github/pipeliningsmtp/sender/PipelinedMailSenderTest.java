package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.SendReport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.MimeMessageHelper;

/** The Spring face: JavaMailSender semantics, the failed-messages map and the ledger report. */
class PipelinedMailSenderTest {

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
            server.close();
        }
    }

    private MimeMessage message(int i, String... to) throws Exception {
        MimeMessage m = sender.createMimeMessage();
        MimeMessageHelper helper = new MimeMessageHelper(m, false);
        helper.setFrom("sender@example.com");
        helper.setTo(to);
        helper.setSubject("message " + i);
        helper.setText("body of message " + i + "\n.a dotted line\nGr\u00fc\u00dfe");
        m.setHeader("X-Seq", Integer.toString(i));
        return m;
    }

    @Test
    void aBatchIsSpreadOverThePoolAndEveryMessageIsStoredOnce() throws Exception {
        start(new StandardSession(), 4);
        List<MimeMessage> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(message(i, "rcpt-" + i + "@example.net"));
        }
        SendReport report = sender.sendAndReport(batch.toArray(new MimeMessage[0]));
        assertThat(report.allSucceeded()).isTrue();
        assertThat(report.succeeded()).isEqualTo(40);
        assertThat(report.accepted()).isEqualTo(40);
        assertThat(report.summary()).startsWith("messages=40 accepted=40 succeeded=40 failed=0 unknown=0 round-trips=");
        assertThat(server.connectionCount()).isEqualTo(4);
        assertThat(report.roundTrips()).as("4 chunks of 10: 11 round trips each").isEqualTo(44);
        List<String> seqs = server.messages().stream().map(m -> m.header("X-Seq").orElseThrow()).sorted().toList();
        assertThat(seqs).hasSize(40).doesNotHaveDuplicates();
        StoredMessage first = server.messages().get(0);
        assertThat(first.header("Date")).isPresent();
        assertThat(first.body()).contains("\r\n.a dotted line\r\n");
    }

    @Test
    void closingTheSenderSaysQuitOnEveryPooledConnection() throws Exception {
        start(new StandardSession(), 2);
        // a batch borrows one connection per 10 messages: 20 messages fill the pool of 2
        MimeMessage[] twenty = new MimeMessage[20];
        for (int i = 0; i < twenty.length; i++) {
            twenty[i] = message(i, "r" + i + "@example.net");
        }
        sender.send(twenty);
        assertThat(sender.pool().idle()).isEqualTo(2);
        sender.close();
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        assertThat(server.commands()).filteredOn(c -> c.line().equals("QUIT")).hasSize(2);
        assertThat(sender.pool().idle()).isZero();
    }

    @Test
    void refusedRecipientsAreInTheFailedMessagesMapWithTheirLedger() throws Exception {
        start(StandardSession.builder().rcptReply((s, address) -> address.startsWith("bad")
                ? List.of("550 5.1.1 <" + address + ">: User unknown") : null).build(), 1);
        MimeMessage good = message(1, "a@example.net");
        MimeMessage partial = message(2, "b@example.net", "bad-1@example.net");
        MimeMessage refused = message(3, "bad-2@example.net");
        MailSendException e = org.junit.jupiter.api.Assertions.assertThrows(MailSendException.class,
                () -> sender.send(good, partial, refused));
        Map<Object, Exception> failed = e.getFailedMessages();
        assertThat(failed).containsOnlyKeys(partial, refused);
        MessageLedger ledger = ((MessageDeliveryException) failed.get(partial)).ledger().orElseThrow();
        assertThat(ledger.recipients()).extracting(r -> r.status())
                .containsExactly(RecipientStatus.SUCCEEDED, RecipientStatus.FAILED);
        assertThat(ledger.recipients().get(1).error().orElseThrow().code()).isEqualTo(550);
        assertThat(failed.get(partial).getMessage()).contains("bad-1@example.net FAILED");
        assertThat(server.messages()).hasSize(2);
    }

    @Test
    void simpleMailMessagesAreMappedBackToTheOriginals() throws Exception {
        start(StandardSession.builder().rcptReply((s, address) -> address.startsWith("bad")
                ? List.of("550 5.1.1 User unknown") : null).build(), 2);
        SimpleMailMessage ok = new SimpleMailMessage();
        ok.setFrom("sender@example.com");
        ok.setTo("ok@example.net");
        ok.setSubject("hello");
        ok.setText("text");
        SimpleMailMessage bad = new SimpleMailMessage(ok);
        bad.setTo("bad@example.net");
        MailSendException e = org.junit.jupiter.api.Assertions.assertThrows(MailSendException.class,
                () -> sender.send(ok, bad));
        assertThat(e.getFailedMessages()).containsOnlyKeys(bad);
        assertThat(server.messages()).hasSize(1);
        assertThat(server.messages().get(0).header("Subject")).contains("hello");
    }

    @Test
    void preparatorErrorsBecomeSpringExceptionsAndMessageIdAndBccAreHandledAsJavaMailSenderImplDoes() throws Exception {
        start(new StandardSession(), 1);
        assertThatThrownBy(() -> sender.send(mimeMessage -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(MailPreparationException.class);
        MimeMessage m = message(7, "to@example.net");
        m.setRecipient(Message.RecipientType.BCC, new InternetAddress("hidden@example.net"));
        m.setHeader("Message-ID", "<fixed-id@example.com>");
        sender.send(m);
        StoredMessage stored = server.messages().get(0);
        assertThat(stored.recipients()).containsExactly("to@example.net", "hidden@example.net");
        assertThat(stored.header("Message-ID")).contains("<fixed-id@example.com>");
        assertThat(stored.header("Bcc")).isEmpty();
        assertThat(m.getSentDate()).isNotNull();
    }

    @Test
    void aMessageWithoutRecipientFailsAloneAndTheOthersAreSent() throws Exception {
        start(new StandardSession(), 1);
        MimeMessage none = sender.createMimeMessage();
        none.setFrom(new InternetAddress("sender@example.com"));
        none.setText("x");
        MimeMessage fine = message(1, "a@example.net");
        MailSendException e = org.junit.jupiter.api.Assertions.assertThrows(MailSendException.class,
                () -> sender.send(none, fine));
        assertThat(e.getFailedMessages()).containsOnlyKeys(none);
        assertThat(server.messages()).hasSize(1);
    }

    @Test
    void refusedAuthenticationIsAMailAuthenticationException() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().credentials("user@example.com", "right").build());
        sender = Senders.sender(ClientFixtures.settings(server.port()).allowPlaintextAuth(true)
                .credentials(io.github.pipeliningsmtp.client.Credentials.password("user@example.com", "wrong"))
                .build(), 1, SmtpListener.NONE);
        assertThatThrownBy(() -> sender.send(message(1, "a@example.net")))
                .isInstanceOf(MailAuthenticationException.class);
        assertThat(sender.pool().active()).isZero();
    }

    @Test
    void whenNoConnectionCanBeHadEveryMessageIsInTheMapWithTheCause() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        sender = Senders.sender(ClientFixtures.settings(port).build(), 2, SmtpListener.NONE);
        MimeMessage a = message(1, "a@example.net");
        MimeMessage b = message(2, "b@example.net");
        MailSendException e = org.junit.jupiter.api.Assertions.assertThrows(MailSendException.class,
                () -> sender.send(a, b));
        assertThat(e.getFailedMessages()).containsOnlyKeys(a, b);
        assertThat(e.getFailedMessages().get(a).getCause()).isInstanceOf(java.net.ConnectException.class);
        assertThat(sender.pool().active()).isZero();
    }
}
