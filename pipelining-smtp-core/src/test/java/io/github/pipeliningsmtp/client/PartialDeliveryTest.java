package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No lone dot when some recipients were accepted (docs/fault-kinds.md#no-lone-dot): DATA is pipelined with the RCPTs; when one RCPT is refused
 * and others accepted, the whole content is still sent (partial delivery, RFC 5321 §3.3).
 */
class PartialDeliveryTest {

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    @Test
    void refusedRecipientDoesNotStopTheContent() throws Exception {
        String[] rcpts = {"rcpt-1@example.net", "rcpt-2@example.test", "rcpt-3@example.net"};
        server.enqueue(s -> {
            greet(s, D_EHLO);
            s.readLine();
            s.reply("250 2.1.0 Ok");
            s.readLine();
            s.reply("250 2.1.5 Ok");
            s.readLine();
            s.reply("550 5.1.4 Recipient address reserved by RFC 2606");
            s.readLine();
            s.reply("250 2.1.5 Ok");
            assertThat(s.readLine()).isEqualTo("DATA");
            s.reply("354 End data with <CR><LF>.<CR><LF>");
            s.store("sender@example.com", List.of(rcpts[0], rcpts[2]), s.readData());
            s.reply("250 2.0.0 queued as E1");
            ClientFixtures.quit(s);
        });
        String body = ClientFixtures.body(3072) + ".a line with a dot\n..two dots\nbare LF above";
        OutgoingMessage message = ClientFixtures.message(body, rcpts);
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            MessageLedger ledger = c.send(List.of(message)).get(0);
            assertThat(ledger.recipients()).extracting(RecipientResult::status).containsExactly(
                    RecipientStatus.SUCCEEDED, RecipientStatus.FAILED, RecipientStatus.SUCCEEDED);
            SmtpError refused = ledger.recipients().get(1).error().orElseThrow();
            assertThat(refused.command()).isEqualTo("RCPT TO:<rcpt-2@example.test>");
            assertThat(refused.code()).isEqualTo(550);
            assertThat(refused.enhancedStatusCode()).contains("5.1.4");
            assertThat(refused.type()).isEqualTo(FailureType.PERMANENT);
            assertThat(ledger.finalReply().orElseThrow().text()).isEqualTo("queued as E1");
        }
        assertThat(server.messages()).hasSize(1);
        String stored = server.messages().get(0).contentAsString();
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        message.content().writeTo(expected);
        String normalised = expected.toString(StandardCharsets.UTF_8).replace("\r\n", "\n").replace("\n", "\r\n");
        assertThat(stored).isEqualTo(normalised.endsWith("\r\n") ? normalised : normalised + "\r\n");
        assertThat(stored).contains("\r\n.a line with a dot\r\n..two dots\r\n");
    }
}
