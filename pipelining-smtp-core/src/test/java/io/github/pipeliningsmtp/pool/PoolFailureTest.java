package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.delivery.PooledDelivery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.Credentials;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SmtpAuthenticationException;
import io.github.pipeliningsmtp.client.SmtpTimeoutException;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import java.net.ConnectException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pool slot leak (docs/fault-kinds.md#pool-slot-leak) and greeting timeout (docs/fault-kinds.md#session-start-failure)
 * at the pool level: whatever fails while opening a
 * connection (refused connect, refused AUTH, silent server), the slot is freed at once, the socket
 * is closed, and the next borrow works as soon as the server does.
 */
class PoolFailureTest {

    private final AtomicReference<InetAddress> address = new AtomicReference<>(InetAddress.getLoopbackAddress());
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

    private ConnectionSettings.Builder settings() {
        return ConnectionSettings.builder("mail.example.com", server.port())
                .resolver(host -> new InetAddress[] {address.get()})
                .connectTimeout(Duration.ofSeconds(1))
                .greetingTimeout(Duration.ofMillis(500))
                .commandTimeout(Duration.ofMillis(500))
                .ehloName("client.example.org");
    }

    private static PoolSettings poolOfOne() {
        return PoolSettings.builder().maxConnections(1).maxWait(Duration.ofSeconds(2)).build();
    }

    private static OutgoingMessage message() {
        return new OutgoingMessage(Envelope.of("sender@example.com", "rcpt-1@example.net"),
                MessageContent.of("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void refusedConnectsAndRefusedAuthNeverLeakTheOnlySlot() throws Exception {
        AtomicInteger authFailures = new AtomicInteger();
        server = ScriptedSmtpServer.start();
        StandardSession normal = StandardSession.builder().credentials("user@example.com", "S3cret-Pa55").build();
        server.setDefaultScript(s -> {
            if (authFailures.getAndIncrement() < 3) {
                StandardSession.builder().credentials("user@example.com", "other").build().run(s);
            } else {
                normal.run(s);
            }
        });
        pool = new SmtpConnectionPool(settings().allowPlaintextAuth(true)
                .credentials(Credentials.password("user@example.com", "S3cret-Pa55")).build(), poolOfOne());
        PooledDelivery delivery = new PooledDelivery(pool);

        // phase 1: nothing listens at 127.0.0.2 (the server is bound to 127.0.0.1)
        address.set(InetAddress.getByName("127.0.0.2"));
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> delivery.deliver(List.of(message()), DeliveryPolicy.PARTIAL))
                    .isInstanceOf(ConnectException.class);
            assertThat(elapsedMs(start)).isLessThan(1500);
            assertThat(pool.active()).isZero();
        }
        // phase 2: AUTH refused (535) for three sessions
        address.set(InetAddress.getLoopbackAddress());
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> delivery.deliver(List.of(message()), DeliveryPolicy.PARTIAL))
                    .isInstanceOfSatisfying(SmtpAuthenticationException.class, e -> {
                        assertThat(e.error().orElseThrow().command()).isEqualTo("AUTH PLAIN");
                        assertThat(e.error().orElseThrow().code()).isEqualTo(535);
                        assertThat(e.error().orElseThrow().enhancedStatusCode()).contains("5.7.8");
                    });
            assertThat(pool.active()).isZero();
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(1));
        // phase 3: a normal server
        long start = System.nanoTime();
        PooledDelivery.Result result = delivery.deliver(List.of(message()), DeliveryPolicy.PARTIAL);
        assertThat(result.ledgers().get(0).status()).isEqualTo(MessageStatus.SUCCEEDED);
        assertThat(elapsedMs(start)).isLessThan(2000);
        assertThat(pool.active()).isZero();
        assertThat(pool.idle()).isEqualTo(1);
    }

    @Test
    void silentServersTimeOutAndFreeTheirSlot() throws Exception {
        server = ScriptedSmtpServer.start();
        server.setDefaultScript(s -> s.stallUntilClientCloses());
        pool = new SmtpConnectionPool(settings().build(), PoolSettings.builder().maxConnections(2)
                .maxWait(Duration.ofSeconds(2)).build());
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> pool.borrow())
                    .isInstanceOfSatisfying(SmtpTimeoutException.class, e -> assertThat(e.command()).isEqualTo("greeting"));
            assertThat(pool.active()).isZero();
            server.awaitConnectionCount(i + 1, Duration.ofSeconds(1));
            server.awaitNoOpenConnections(Duration.ofMillis(500));
        }
    }

    @Test
    void aBorrowerWaitsAtMostMaxWaitAndTheMessageGivesThePoolState() throws Exception {
        server = ScriptedSmtpServer.start();
        pool = new SmtpConnectionPool(settings().build(), PoolSettings.builder().maxConnections(1)
                .maxWait(Duration.ofMillis(300)).build());
        var held = pool.borrow();
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.borrow())
                .isInstanceOf(SmtpPoolTimeoutException.class)
                .hasMessageContaining("300 ms")
                .hasMessageContaining("total=1, active=1, idle=0");
        assertThat(elapsedMs(start)).isBetween(250L, 1500L);
        pool.release(held);
        assertThat(pool.active()).isZero();
        assertThat(pool.idle()).isEqualTo(1);
    }

    @Test
    void invalidPoolSettingsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> PoolSettings.builder().maxConnections(0)).hasMessageContaining("maxConnections");
        assertThatThrownBy(() -> PoolSettings.builder().maxConnections(2).minIdle(3).build())
                .hasMessageContaining("minIdle");
        assertThatThrownBy(() -> PoolSettings.builder().maxWait(Duration.ZERO)).hasMessageContaining("maxWait");
    }
}
