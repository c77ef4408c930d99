package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.protocol.SmtpStep;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that trickles a reply one byte every 200 ms never completes it within the timeout: each
 * reply timeout is a deadline for the whole reply, not for each read (issue 12, item 1). The
 * greeting, the EHLO reply and the end-of-data reply each fail within the timeout (1 s) plus a
 * tolerance, naming what was awaited, and the socket is closed.
 */
class TrickledReplyIsTimedOutTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final long TOLERANCE_MS = 700;
    private static final Duration GAP = Duration.ofMillis(200);

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).isEmpty();
        server.close();
    }

    private ConnectionSettings settings() {
        return ClientFixtures.settings(server).greetingTimeout(TIMEOUT).commandTimeout(TIMEOUT).dataTimeout(TIMEOUT)
                .build();
    }

    private static void trickle(ServerSession s, String reply) throws Exception {
        s.writeSlowly(reply.getBytes(StandardCharsets.US_ASCII), 1, GAP);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aTrickledGreetingTimesOutNamingTheGreeting() throws Exception {
        server.setDefaultScript(s -> trickle(s, "220 mail.example.com ESMTP a greeting that takes its time\r\n"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> SmtpConnection.open(settings()))
                .isInstanceOfSatisfying(SmtpTimeoutException.class, e -> {
                    assertThat(e.command()).isEqualTo("greeting");
                    assertThat(e.step()).isEqualTo(SmtpStep.GREETING);
                    assertThat(e).hasMessageContaining("1000 ms");
                });
        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 50)
                .isLessThan(TIMEOUT.toMillis() + TOLERANCE_MS);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aTrickledEhloReplyTimesOutNamingEhlo() throws Exception {
        server.setDefaultScript(s -> {
            s.reply("220 mail.example.com ESMTP test");
            s.readLine();
            trickle(s, "250-mail.example.com\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> SmtpConnection.open(settings()))
                .isInstanceOfSatisfying(SmtpTimeoutException.class, e -> {
                    assertThat(e.command()).startsWith("EHLO");
                    assertThat(e.step()).isEqualTo(SmtpStep.EHLO);
                });
        assertThat(elapsedMs(start)).isLessThan(TIMEOUT.toMillis() + TOLERANCE_MS);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aTrickledEndOfDataReplyTimesOutAndTheMessageIsUnknown() throws Exception {
        server.setDefaultScript(s -> {
            ClientFixtures.greet(s, "250 mail.example.com");
            s.readLine();
            s.reply("250 2.1.0 Ok");
            s.readLine();
            s.reply("250 2.1.5 Ok");
            s.readLine();
            s.reply("354 go ahead");
            s.readData();
            trickle(s, "250 2.0.0 Ok: queued as A1, and the rest of this line comes slowly\r\n");
        });
        try (SmtpConnection c = SmtpConnection.open(settings())) {
            long start = System.nanoTime();
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(200, "ann@example.net"))).get(0);
            assertThat(elapsedMs(start)).isLessThan(TIMEOUT.toMillis() + TOLERANCE_MS);
            assertThat(ledger.status()).isEqualTo(MessageStatus.UNKNOWN);
            SmtpError error = ledger.firstError().orElseThrow();
            assertThat(error.step()).isEqualTo(SmtpStep.END_OF_DATA);
            assertThat(error.exception()).get().isInstanceOf(SmtpTimeoutException.class);
            assertThat(c.state()).isEqualTo(SmtpConnection.State.BROKEN);
        }
    }

    private static long elapsedMs(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
