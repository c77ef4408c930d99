package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.RecordedCommand;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerOptions;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pipeline framing (docs/fault-kinds.md#pipeline-framing) and write deadlock (docs/fault-kinds.md#write-deadlock): groups of hundreds
 * or thousands of commands keep their framing whatever the buffer boundaries, and a server that
 * blocks writing replies while the client is still writing never deadlocks the client.
 */
class LargeGroupTest {

    private static final Pattern VALID = Pattern.compile(
            "^(MAIL FROM:<[^<>\\r\\n]*>( [A-Z0-9-]+(=[^ \\r\\n]+)?)*|RCPT TO:<[^<>\\r\\n]+>( [A-Z0-9-]+(=[^ \\r\\n]+)?)*|DATA)$");

    /** A buffering server: replies to MAIL and RCPT are held until DATA has been read. */
    private static void bufferingServer(ServerSession s) throws IOException {
        String[] ehlo = new String[D_EHLO.length + 1];
        System.arraycopy(D_EHLO, 0, ehlo, 0, D_EHLO.length - 1);
        ehlo[D_EHLO.length - 1] = "250-SMTPUTF8";
        ehlo[D_EHLO.length] = D_EHLO[D_EHLO.length - 1];
        greet(s, ehlo);
        List<String> held = new ArrayList<>();
        List<String> rcpts = new ArrayList<>();
        for (String line = s.readLine(); line != null; line = s.readLine()) {
            if (line.equals("QUIT")) {
                s.reply("221 Bye");
                s.closeFin();
                return;
            }
            if (!VALID.matcher(line).matches()) {
                s.server().event("syntax error: " + line);
                held.add("500 5.5.2 Syntax error");
            } else if (line.equals("DATA")) {
                held.add("354 go");
                s.reply(held.toArray(new String[0]));
                held.clear();
                s.store("sender@example.com", rcpts, s.readData());
                s.reply("250 2.0.0 Ok: queued as G1");
            } else {
                if (line.startsWith("RCPT")) {
                    rcpts.add(line.substring(9, line.length() - 1));
                }
                held.add("250 2.1.5 Ok");
            }
        }
    }

    @Test
    void groupOf460RecipientsKeepsItsFramingAtEveryBufferOffset() throws Exception {
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < 460; i++) {
            recipients.add(String.format("r-%03d-%s@example.net", i, "x".repeat(i % 38)));
        }
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start(ServerOptions.defaults().withReadBufferSize(512))) {
            server.setDefaultScript(LargeGroupTest::bufferingServer);
            try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
                MessageLedger ledger = c.send(List.of(ClientFixtures.message(1024, recipients.toArray(new String[0])))).get(0);
                assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(460);
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(2));
            assertThat(server.events()).isEmpty();
            List<String> lines = server.commands(0).stream().map(RecordedCommand::line)
                    .filter(l -> l.startsWith("MAIL") || l.startsWith("RCPT") || l.equals("DATA")).toList();
            assertThat(lines).hasSize(462);
            assertThat(lines.get(0)).startsWith("MAIL FROM:<sender@example.com>");
            for (int i = 0; i < 460; i++) {
                assertThat(lines.get(i + 1)).isEqualTo("RCPT TO:<" + recipients.get(i) + ">");
            }
            assertThat(lines.get(461)).isEqualTo("DATA");
            assertThat(server.messages().get(0).recipients()).isEqualTo(recipients);
        }
    }

    /** One command at a time; each RCPT reply is about 800 octets written with a blocking write. */
    private static void slowReader(ServerSession s) throws IOException {
        greet(s, D_EHLO);
        String filler = "y".repeat(200);
        List<String> rcpts = new ArrayList<>();
        for (String line = s.readLine(); line != null; line = s.readLine()) {
            if (line.startsWith("MAIL")) {
                s.reply("250 2.1.0 Ok");
            } else if (line.startsWith("RCPT")) {
                rcpts.add(line.substring(9, line.length() - 1));
                s.reply("250-2.1.5 ok " + filler, "250-2.1.5 ok " + filler, "250-2.1.5 ok " + filler, "250 2.1.5 ok");
            } else if (line.equals("DATA")) {
                s.reply("354 go");
                s.store("sender@example.com", rcpts, s.readData());
                s.reply("250 2.0.0 Ok: queued as W1");
            } else if (line.equals("QUIT")) {
                s.reply("221 Bye");
                s.closeFin();
                return;
            }
        }
    }

    @Test
    @Timeout(60)
    void groupOf3000RecipientsAgainstAServerThatBlocksWritingRepliesDoesNotDeadlock() throws Exception {
        List<String> recipients = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            recipients.add(String.format("rcpt-%04d@example.net", i));
        }
        ServerOptions options = ServerOptions.defaults().withReceiveBufferSize(4096).withSendBufferSize(4096);
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start(options)) {
            server.setDefaultScript(LargeGroupTest::slowReader);
            // small client socket buffers too, so that neither commands nor replies can all wait in the kernel: the
            // client must read them while it writes, or both sides block
            ConnectionSettings settings = ClientFixtures.settings(server).commandTimeout(Duration.ofSeconds(10))
                    .receiveBufferSize(4096).sendBufferSize(4096).build();
            try (SmtpConnection c = SmtpConnection.open(settings)) {
                MessageLedger ledger = c.send(List.of(ClientFixtures.message(1024, recipients.toArray(new String[0])))).get(0);
                assertThat(ledger.count(RecipientStatus.SUCCEEDED)).isEqualTo(3000);
                assertThat(c.roundTrips()).as("EHLO, the group, the content").isEqualTo(3);
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(2));
            List<String> lines = server.commands(0).stream().map(RecordedCommand::line).toList();
            assertThat(lines).filteredOn(l -> l.startsWith("MAIL")).hasSize(1);
            assertThat(lines).filteredOn(l -> l.startsWith("RCPT")).hasSize(3000);
            assertThat(lines).filteredOn("DATA"::equals).hasSize(1);
            assertThat(server.messages()).hasSize(1);
        }
    }
}
