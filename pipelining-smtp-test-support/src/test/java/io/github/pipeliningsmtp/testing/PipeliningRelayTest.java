package io.github.pipeliningsmtp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PipeliningRelayTest {

    private GreenMail greenMail;

    @BeforeEach
    void startGreenMail() {
        greenMail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        greenMail.start();
    }

    @AfterEach
    void stopGreenMail() {
        greenMail.stop();
    }

    private PipeliningRelay relayToGreenMail(RelayOptions options) throws IOException {
        return PipeliningRelay.start("127.0.0.1", greenMail.getSmtp().getPort(), options);
    }

    @Test
    void ehloThroughRelayAdvertisesPipelining() throws Exception {
        try (PipeliningRelay relay = relayToGreenMail(RelayOptions.defaults());
                TestClient client = TestClient.connect(relay.host(), relay.port())) {
            assertThat(client.reply()).startsWith("220 ");
            client.send("EHLO client.example");
            List<String> ehlo = client.readReply();
            assertThat(ehlo.get(1)).isEqualTo("250-PIPELINING");
            assertThat(ehlo.get(0)).startsWith("250-");
            assertThat(ehlo.get(ehlo.size() - 1)).startsWith("250 ");
            client.send("NOOP");
            assertThat(client.reply()).startsWith("250");
        }
    }

    @Test
    void jakartaMailMessageArrivesThroughDelayedRelay() throws Exception {
        try (PipeliningRelay relay = relayToGreenMail(RelayOptions.defaults().withDelay(Duration.ofMillis(20)))) {
            Properties properties = new Properties();
            properties.put("mail.smtp.host", relay.host());
            properties.put("mail.smtp.port", String.valueOf(relay.port()));
            Session session = Session.getInstance(properties);
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress("from@example.com"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("to@example.com"));
            message.setSubject("through the relay");
            message.setText("Hello\n.leading dot\n");
            Transport.send(message);
            assertThat(greenMail.waitForIncomingEmail(5000, 1)).isTrue();
            MimeMessage received = greenMail.getReceivedMessages()[0];
            assertThat(received.getSubject()).isEqualTo("through the relay");
            assertThat(((String) received.getContent()).replace("\r\n", "\n")).startsWith("Hello\n.leading dot");
            // EHLO, MAIL, RCPT, DATA, content, QUIT: each sent after the previous reply arrived
            assertThat(relay.roundTrips()).isEqualTo(6);
        }
    }

    @Test
    void countsRoundTripsOfAPipeliningExchangeWithDelay() throws Exception {
        try (PipeliningRelay relay = relayToGreenMail(RelayOptions.defaults().withDelay(Duration.ofMillis(20)));
                TestClient client = TestClient.connect(relay.host(), relay.port())) {
            assertThat(client.reply()).startsWith("220 ");
            long start = System.nanoTime();
            client.send("EHLO client.example");
            client.readReply();
            client.send("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA");
            assertThat(client.reply()).startsWith("250");
            assertThat(client.reply()).startsWith("250");
            assertThat(client.reply()).startsWith("354");
            client.send("Subject: rt", "", "body", ".");
            assertThat(client.reply()).startsWith("250");
            client.send("QUIT");
            assertThat(client.reply()).startsWith("221");
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            assertThat(relay.roundTrips()).isEqualTo(4);
            assertThat(relay.clientWrites()).isEqualTo(4);
            assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(4 * 40));
            relay.resetCounters();
            assertThat(relay.roundTrips()).isZero();
            assertThat(relay.clientWrites()).isZero();
        }
        assertThat(greenMail.getReceivedMessages()).hasSize(1);
    }

    @Test
    void rewritesSingleLineEhloSplitIntoSingleBytes() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
                PipeliningRelay relay = PipeliningRelay.start(server.host(), server.port())) {
            server.enqueue(s -> {
                s.reply("220 hi");
                s.readLine();
                s.writeSlowly("250 mail.example.com\r\n".getBytes(StandardCharsets.US_ASCII), 1, Duration.ofMillis(1));
                s.readLine();
                s.writeSlowly("250-a\r\n250 b\r\n".getBytes(StandardCharsets.US_ASCII), 1, Duration.ofMillis(1));
                s.readLine();
                s.reply("250 mail.example.com");
                s.stallUntilClientCloses();
            });
            try (TestClient client = TestClient.connect(relay.host(), relay.port())) {
                assertThat(client.readReply()).containsExactly("220 hi");
                client.send("EHLO one");
                assertThat(client.readReply()).containsExactly("250-mail.example.com", "250 PIPELINING");
                client.send("ehlo two");
                assertThat(client.readReply()).containsExactly("250-a", "250-PIPELINING", "250 b");
                client.send("HELO three");
                assertThat(client.readReply()).containsExactly("250 mail.example.com");
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(5));
        }
    }

    @Test
    void messageContentAndBdatChunksAreNotTakenForCommands() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
                PipeliningRelay relay = PipeliningRelay.start(server.host(), server.port())) {
            server.enqueue(s -> {
                s.reply("220 hi");
                s.readLine();
                s.reply("354 go");
                s.store("a", List.of("b"), s.readRawData());
                s.reply("250 queued");
                s.readLine();
                s.store("a", List.of("b"), s.readExactly(12));
                s.reply("250 chunk");
                s.readLine();
                s.reply("250-x", "250 y");
                s.stallUntilClientCloses();
            });
            try (TestClient client = TestClient.connect(relay.host(), relay.port())) {
                client.reply();
                client.send("DATA");
                assertThat(client.reply()).isEqualTo("354 go");
                client.send("NOOP", "EHLO x", "..", ".");
                assertThat(client.reply()).isEqualTo("250 queued");
                client.sendRaw("BDAT 12 LAST\r\nNOOP\r\nNOOP\r\n");
                assertThat(client.reply()).isEqualTo("250 chunk");
                client.send("EHLO y");
                assertThat(client.readReply()).containsExactly("250-x", "250-PIPELINING", "250 y");
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(5));
            assertThat(server.messages()).extracting(StoredMessage::contentAsString)
                    .containsExactly("NOOP\r\nEHLO x\r\n..\r\n.\r\n", "NOOP\r\nNOOP\r\n");
        }
    }

    @Test
    void cutAllResetsBothSides() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
                PipeliningRelay relay = PipeliningRelay.start(server.host(), server.port())) {
            server.enqueue(s -> {
                s.reply("220 hi");
                s.readLine();
            });
            try (TestClient client = TestClient.connect(relay.host(), relay.port())) {
                client.reply();
                assertThat(relay.openConnections()).isEqualTo(1);
                relay.cutAll();
                assertThatThrownBy(() -> {
                    if (!client.readsEof()) {
                        throw new AssertionError("expected the connection to be cut");
                    }
                    throw new IOException("EOF");
                }).isInstanceOf(IOException.class);
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(5));
            assertThat(relay.openConnections()).isZero();
            assertThat(server.scriptErrors()).isEmpty();
        }
    }
}
