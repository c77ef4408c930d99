package io.github.pipeliningsmtp.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.RetireReason;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Closing the pool QUITs every idle connection at once (issue 14, item 4): each server session
 * holds its 221 until the QUITs of all four connections have arrived, so a pool that waited for
 * one connection's reply before writing the next QUIT would never complete the latch.
 */
class PoolCloseQuitsAllConnectionsAtOnceTest {

    private static final int CONNECTIONS = 4;

    private final ScriptedSmtpServer server = start();

    private static ScriptedSmtpServer start() {
        try {
            return ScriptedSmtpServer.start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    @Test
    void everyQuitIsWrittenBeforeAnyQuitReplyIsSentAndNothingIsLeftOpen() throws Exception {
        CountDownLatch quitsArrived = new CountDownLatch(CONNECTIONS);
        List<Boolean> sawAllQuitsBeforeReplying = new CopyOnWriteArrayList<>();
        server.setDefaultScript(s -> StandardSession.builder().commandHook((session, line) -> {
            if (!line.startsWith("QUIT")) {
                return null;
            }
            quitsArrived.countDown();
            sawAllQuitsBeforeReplying.add(quitsArrived.await(5, TimeUnit.SECONDS));
            session.reply("221 2.0.0 Bye");
            session.closeFin();
            return List.of();
        }).build().run(s));
        List<RetireReason> retired = new CopyOnWriteArrayList<>();
        SmtpListener listener = new SmtpListener() {
            @Override
            public void connectionRetired(RetireReason reason) {
                retired.add(reason);
            }
        };
        ConnectionSettings settings = ConnectionSettings.builder("mail.example.com", server.port())
                .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                .commandTimeout(Duration.ofSeconds(10)).ehloName("client.example.org").build();
        SmtpConnectionPool pool = new SmtpConnectionPool(settings, SendingOptions.DEFAULTS,
                PoolSettings.builder().maxConnections(CONNECTIONS).maxIdleTime(Duration.ofSeconds(120)).build(),
                listener);
        List<SmtpConnection> borrowed = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            borrowed.add(pool.borrow());
        }
        borrowed.forEach(pool::release);
        assertThat(pool.idle()).isEqualTo(CONNECTIONS);

        pool.close(Duration.ofSeconds(1));

        assertThat(sawAllQuitsBeforeReplying).hasSize(CONNECTIONS).containsOnly(true);
        assertThat(borrowed).allSatisfy(c -> assertThat(c.state()).isEqualTo(SmtpConnection.State.CLOSED));
        assertThat(retired).hasSize(CONNECTIONS).containsOnly(RetireReason.SHUTDOWN);
        assertThat(pool.idle()).isZero();
        assertThat(pool.active()).isZero();
        server.awaitNoOpenConnections(Duration.ofSeconds(2));
        assertThat(server.scriptErrors()).isEmpty();
    }
}
