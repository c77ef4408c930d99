package io.github.pipeliningsmtp.client;

import static io.github.pipeliningsmtp.testkit.ClientFixtures.D_EHLO;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.greet;
import static io.github.pipeliningsmtp.testkit.ClientFixtures.rcpt;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerOptions;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server that stops reading in the middle of the content: the write is bounded by the command
 * timeout (no progress for that long aborts it), the message FAILED (nothing committed), the
 * connection BROKEN. With and without CHUNKING (the content is written on the caller's thread for
 * DATA, on a writer thread for BDAT).
 */
class StalledContentTest {

    @ParameterizedTest(name = "chunking={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void aServerThatStopsReadingTheContentTimesOut(boolean chunking) throws Exception {
        ServerOptions options = ServerOptions.defaults().withReceiveBufferSize(4096);
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start(options)) {
            server.enqueue(s -> {
                String[] ehlo = chunking ? new String[] {"250-mail.example.com", "250-PIPELINING", "250 CHUNKING"} : D_EHLO;
                greet(s, ehlo);
                s.readLine();
                s.reply("250 Ok");
                s.readLine();
                s.reply("250 Ok");
                if (!chunking) {
                    s.readLine();
                    s.reply("354 go");
                }
                s.pause(Duration.ofSeconds(2)); // reads nothing: the client's writes fill the buffers and block
                s.stallUntilClientCloses();
            });
            Duration timeout = Duration.ofMillis(500);
            ConnectionSettings settings = ClientFixtures.settings(server).commandTimeout(timeout).dataTimeout(timeout)
                    .sendBufferSize(4096).build();
            SmtpConnection c = SmtpConnection.open(settings);
            long start = System.nanoTime();
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(8 * 1024 * 1024, rcpt(1)))).get(0);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            RecipientResult r = ledger.recipients().get(0);
            assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
            assertThat(r.error().orElseThrow().type()).isEqualTo(FailureType.TRANSIENT);
            assertThat(r.error().orElseThrow().exception()).containsInstanceOf(SmtpTimeoutException.class);
            assertThat(ledger.contentCommitted()).isFalse();
            assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
            assertThat(elapsed).as("ms").isLessThan(3 * timeout.toMillis() + 1000);
            c.close();
            server.awaitNoOpenConnections(Duration.ofSeconds(4));
        }
    }
}
