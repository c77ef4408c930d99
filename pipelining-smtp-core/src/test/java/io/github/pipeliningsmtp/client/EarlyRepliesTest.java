package io.github.pipeliningsmtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.delivery.SmtpMailer;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.protocol.SmtpProtocolException;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.ServerSession;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Early replies (issue 12, item 7): a server that writes every reply of a session at once, before
 * the commands arrive (greeting, EHLO reply, 250 250 354 250 221 in one write). Each command that
 * ends a group is written only when nothing unasked is buffered, so the client sees the replies that
 * came before their commands and says so in a protocol error, at once: not a pool timeout.
 */
class EarlyRepliesTest {

    private static final String ALL_AT_ONCE = "220 mail.example.com ESMTP eager\r\n"
            + "250-mail.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
            + "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go ahead\r\n250 2.0.0 Queued\r\n221 2.0.0 Bye\r\n";

    private final ScriptedSmtpServer server = ClientFixtures.server();

    @AfterEach
    void tearDown() throws Exception {
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).isEmpty();
        server.close();
    }

    private static void eager(ServerSession s) throws IOException {
        s.write(ALL_AT_ONCE.getBytes(StandardCharsets.US_ASCII));
        s.stallUntilClientCloses();
    }


    @Test
    void openingAConnectionFailsWithAProtocolErrorNamingTheEarlyReplies() throws Exception {
        server.setDefaultScript(EarlyRepliesTest::eager);
        long start = System.nanoTime();
        assertThatThrownBy(() -> SmtpConnection.open(ClientFixtures.settings(server).build()))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining("replies arrived before their commands were written");
        assertThat(elapsedMs(start)).isLessThan(1000);
        server.awaitNoOpenConnections(Duration.ofSeconds(1));
    }

    @Test
    void theTransactionsRepliesWithTheEhloReplyFailTheSetUpBeforeAnyTransaction() throws Exception {
        server.enqueue(s -> {
            s.reply("220 mail.example.com ESMTP eager");
            assertThat(s.readLine()).startsWith("EHLO ");
            s.write(("250-mail.example.com\r\n250 PIPELINING\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go ahead\r\n"
                    + "250 2.0.0 Queued\r\n221 2.0.0 Bye\r\n").getBytes(StandardCharsets.US_ASCII));
            s.stallUntilClientCloses();
        });
        assertThatThrownBy(() -> SmtpConnection.open(ClientFixtures.settings(server).build()))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining("replies arrived before their commands were written")
                .hasMessageContaining("after the session set-up");
        assertThat(server.commands(0)).hasSize(1);
    }

    @Test
    void aServiceClosingReplyWaitingBeforeAFlightIsTheErrorOfItsFirstCommand() throws Exception {
        CountDownLatch sent = new CountDownLatch(1);
        server.enqueue(s -> {
            ClientFixtures.greet(s, "250-mail.example.com", "250 PIPELINING");
            s.pause(java.time.Duration.ofMillis(100)); // the client is idle by then: the 421 comes unasked
            s.reply("421 4.3.2 Shutting down");
            sent.countDown();
            s.stallUntilClientCloses();
        });
        try (SmtpConnection c = SmtpConnection.open(ClientFixtures.settings(server).build())) {
            assertThat(sent.await(2, TimeUnit.SECONDS)).isTrue();
            // wait (at most 2 s) until the 421 is in the client's socket; isStale() only looks, it reads nothing
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!c.isStale() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(c.isStale()).as("the 421 arrived").isTrue();
            MessageLedger ledger = c.send(List.of(ClientFixtures.message(100, "ann@example.net"))).get(0);
            assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
            SmtpError error = ledger.recipients().get(0).error().orElseThrow();
            assertThat(error.code()).isEqualTo(421);
            assertThat(error.type()).isEqualTo(FailureType.TRANSIENT);
            assertThat(c.state()).isNotEqualTo(SmtpConnection.State.READY);
        }
        assertThat(server.commands(0)).hasSize(1); // only EHLO: nothing of the flight was written
    }

    @Test
    void thePoolReportsTheProtocolErrorWellUnderItsMaxWait() throws Exception {
        server.setDefaultScript(EarlyRepliesTest::eager);
        PoolSettings poolSettings = PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(5)).build();
        try (SmtpConnectionPool pool = new SmtpConnectionPool(ClientFixtures.settings(server).build(), poolSettings)) {
            long start = System.nanoTime();
            assertThatThrownBy(pool::borrow)
                    .isInstanceOf(SmtpProtocolException.class)
                    .hasMessageContaining("replies arrived before their commands were written")
                    .hasMessageNotContaining("no SMTP connection within");
            assertThat(elapsedMs(start)).isLessThan(1000);
            assertThat(pool.active()).isZero();
        }
    }

    @Test
    void theLedgerOfAMailerSendNamesTheEarlyReplies() throws Exception {
        server.setDefaultScript(EarlyRepliesTest::eager);
        ConnectionSettings settings = ClientFixtures.settings(server).build();
        try (SmtpMailer mailer = SmtpMailer.builder(settings)
                .poolSettings(PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(5)).build())
                .shutdownTimeout(Duration.ofSeconds(2)).build()) {
            MimeMessage m = mailer.createMimeMessage();
            m.setFrom(new InternetAddress(ClientFixtures.SENDER));
            m.setRecipients(Message.RecipientType.TO, "ann@example.net");
            m.setText("hello");
            long start = System.nanoTime();
            SendReport report = mailer.send(m);
            assertThat(elapsedMs(start)).isLessThan(2000);
            MessageLedger ledger = report.entries().get(0).ledger();
            assertThat(ledger.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledger.recipients()).allSatisfy(r -> assertThat(r.error().orElseThrow().toString())
                    .contains("replies arrived before their commands were written"));
            assertThat(mailer.pool().active()).isZero();
        }
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
