package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO_NO_PIPELINING;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Dot-stuffing and the end-of-data line (docs/fault-kinds.md#dot-stuffing), on the wire, with and without PIPELINING. */
class DotStuffingOnTheWireTest {

    private static final String BODY = ".first line starts with dot\n.\n..\n...\nx\n.foo\n\r\n.\r\n\n.";
    private static final String HEADERS = "Subject: dots\r\n\r\n";

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        ClientFixtures.closeCleanly(server);
    }

    /** A server that stores the raw DATA octets and treats any command after end of data but QUIT as stray. */
    private static void strictSession(ServerSession s, boolean pipelining) throws IOException {
        greet(s, pipelining ? D_EHLO : D_EHLO_NO_PIPELINING);
        for (String expected : List.of("MAIL FROM:<sender@example.com>", "RCPT TO:<rcpt-1@example.net>", "DATA")) {
            assertThat(s.readLine()).startsWith(expected);
            if (!pipelining && s.inputBuffered()) {
                s.server().event("stray input before reply to " + expected);
            }
            s.reply(expected.equals("DATA") ? "354 go" : "250 Ok");
        }
        byte[] raw = s.readRawData();
        s.store("sender@example.com", List.of(rcpt(1)), raw);
        if (s.inputBuffered()) {
            s.server().event("stray input after end of data");
        }
        s.reply("250 2.0.0 Ok: queued as D1");
        String next = s.readLine();
        if (next != null && !next.equals("QUIT")) {
            s.server().event("stray command: " + next);
            s.reply("500 5.5.1 Invalid command");
        }
        s.reply("221 Bye");
        s.closeFin();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyDotLineGetsOneMoreDotAndOneTerminatorEndsTheContent(boolean pipelining) throws Exception {
        server.enqueue(s -> strictSession(s, pipelining));
        byte[] content = (HEADERS + BODY).getBytes(StandardCharsets.US_ASCII);
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            assertThat(c.isPipelining()).isEqualTo(pipelining);
            MessageLedger ledger = c.send(List.of(new OutgoingMessage(Envelope.of(ClientFixtures.SENDER, rcpt(1)),
                    MessageContent.of(content)))).get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.SUCCEEDED);
            assertThat(c.state()).isEqualTo(SmtpConnection.State.READY);
        }
        assertThat(server.events()).isEmpty();
        assertThat(server.messages()).hasSize(1);
        String wire = new String(server.messages().get(0).content(), StandardCharsets.US_ASCII);
        assertThat(wire).isEqualTo("Subject: dots\r\n\r\n..first line starts with dot\r\n..\r\n...\r\n....\r\nx\r\n"
                + "..foo\r\n\r\n..\r\n\r\n..\r\n.\r\n");
        assertThat(wire.indexOf("\r\n.\r\n")).isEqualTo(wire.length() - 5);
        String unstuffed = unstuff(wire);
        String expected = (HEADERS + BODY).replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n";
        assertThat(unstuffed).isEqualTo(expected);
    }

    private static String unstuff(String wire) {
        StringBuilder sb = new StringBuilder();
        String[] lines = wire.substring(0, wire.length() - 3).split("\r\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            sb.append(lines[i].startsWith(".") ? lines[i].substring(1) : lines[i]).append("\r\n");
        }
        return sb.toString();
    }
}
