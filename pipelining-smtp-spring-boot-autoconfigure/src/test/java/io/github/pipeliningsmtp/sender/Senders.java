package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.pool.PoolListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds senders for tests against a scripted server on 127.0.0.1 (mail.example.com); the client
 * settings come from core's {@link io.github.pipeliningsmtp.testkit.ClientFixtures}.
 */
final class Senders {

    private Senders() {
    }

    static PipelinedMailSender sender(ConnectionSettings settings, int maxConnections, PoolListener listener) {
        return sender(settings, maxConnections, Duration.ofSeconds(2), listener);
    }

    static PipelinedMailSender sender(ConnectionSettings settings, int maxConnections, Duration maxWait,
                                      PoolListener listener) {
        PoolSettings pool = PoolSettings.builder().maxConnections(maxConnections).maxWait(maxWait).build();
        return new PipelinedMailSender(new SmtpConnectionPool(settings, pool, listener), "UTF-8",
                DeliveryPolicy.PARTIAL, Duration.ofSeconds(5));
    }

    /** Counts live connections and the most that were ever open at once. */
    static final class ConnectionCounter implements PoolListener {
        final AtomicInteger live = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final AtomicInteger opened = new AtomicInteger();

        @Override
        public void connectionOpened() {
            opened.incrementAndGet();
            max.accumulateAndGet(live.incrementAndGet(), Math::max);
        }

        @Override
        public void connectionRetired(String reason) {
            live.decrementAndGet();
        }
    }
}
