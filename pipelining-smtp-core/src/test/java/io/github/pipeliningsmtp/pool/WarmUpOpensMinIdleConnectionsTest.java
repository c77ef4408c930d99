package io.github.pipeliningsmtp.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.delivery.PooledDelivery;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A warm pool: {@code warmUp} opens min-idle connections before any send, so the first sends find
 * their sessions open and open none of their own; a server that cannot be reached ends the warm-up
 * with the open's exception (in the background: a failed future), and sends still open connections
 * as usual.
 */
class WarmUpOpensMinIdleConnectionsTest {

    private ScriptedSmtpServer server;
    private SmtpConnectionPool pool;

    @AfterEach
    void tearDown() throws Exception {
        if (pool != null) {
            pool.close(Duration.ofSeconds(1));
        }
        if (server != null) {
            server.close();
        }
    }

    private static ConnectionSettings.Builder settings(int port, InetAddress address) {
        return ConnectionSettings.builder("mail.example.com", port)
                .resolver(host -> new InetAddress[] {address})
                .connectTimeout(Duration.ofSeconds(1))
                .greetingTimeout(Duration.ofSeconds(2))
                .commandTimeout(Duration.ofSeconds(2))
                .ehloName("client.example.org");
    }

    private static PoolSettings pool(int maxConnections, int minIdle) {
        return PoolSettings.builder().maxConnections(maxConnections).minIdle(minIdle)
                .maxWait(Duration.ofSeconds(2)).build();
    }

    private static OutgoingMessage message(int i) {
        return new OutgoingMessage(Envelope.of("sender@example.com", "rcpt-" + i + "@example.net"),
                MessageContent.of(("Subject: " + i + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void warmUpOpensMinIdleSessionsThatTheFirstSendsUse() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().build()::run);
        pool = new SmtpConnectionPool(settings(server.port(), InetAddress.getLoopbackAddress()).build(), pool(4, 3));

        assertThat(pool.warmUp()).isEqualTo(3);
        assertThat(pool.idle()).isEqualTo(3);
        assertThat(server.connectionCount()).isEqualTo(3);
        assertThat(server.commands().stream().filter(c -> c.line().startsWith("EHLO")).count()).isEqualTo(3);

        PooledDelivery delivery = new PooledDelivery(pool);
        for (int i = 0; i < 3; i++) {
            assertThat(delivery.deliver(List.of(message(i)), DeliveryPolicy.PARTIAL).ledgers().get(0).status())
                    .isEqualTo(MessageStatus.SUCCEEDED);
        }
        assertThat(server.connectionCount()).isEqualTo(3);
        // a second warm-up with min-idle already idle opens nothing
        assertThat(pool.warmUp()).isEqualTo(3);
        assertThat(server.connectionCount()).isEqualTo(3);
    }

    @Test
    void withoutMinIdleWarmUpOpensNothing() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().build()::run);
        pool = new SmtpConnectionPool(settings(server.port(), InetAddress.getLoopbackAddress()).build(), pool(4, 0));

        assertThat(pool.warmUp()).isZero();
        assertThat(pool.warmUpInBackground().get(5, TimeUnit.SECONDS)).isZero();
        assertThat(server.connectionCount()).isZero();
    }

    @Test
    void anUnreachableServerFailsTheWarmUpAndSendsStillOpenTheirOwn() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().build()::run);
        // nothing listens at 127.0.0.2 (the server is bound to 127.0.0.1)
        pool = new SmtpConnectionPool(settings(server.port(), InetAddress.getByName("127.0.0.2")).build(), pool(2, 2));

        assertThatThrownBy(pool::warmUp).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> pool.warmUpInBackground().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
        assertThat(pool.idle()).isZero();
        assertThat(pool.active()).isZero();
    }

    @Test
    void aClosedPoolWarmsNothing() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(StandardSession.builder().build()::run);
        pool = new SmtpConnectionPool(settings(server.port(), InetAddress.getLoopbackAddress()).build(), pool(2, 2));
        pool.close(Duration.ofSeconds(1));

        assertThat(pool.warmUp()).isZero();
        assertThat(server.connectionCount()).isZero();
    }
}
