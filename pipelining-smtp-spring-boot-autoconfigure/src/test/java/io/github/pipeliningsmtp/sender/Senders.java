package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds senders for tests against a scripted server on 127.0.0.1 (mail.example.com). */
final class Senders {

    private Senders() {
    }

    static ConnectionSettings.Builder settings(int port) {
        return ConnectionSettings.builder("mail.example.com", port)
                .resolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()})
                .connectTimeout(Duration.ofSeconds(2))
                .greetingTimeout(Duration.ofSeconds(5))
                .commandTimeout(Duration.ofSeconds(5))
                .dataTimeout(Duration.ofSeconds(10))
                .ehloName("client.example.org");
    }

    static PipelinedMailSender sender(ConnectionSettings settings, int maxConnections, SmtpListener listener) {
        return sender(settings, maxConnections, Duration.ofSeconds(2), listener);
    }

    static PipelinedMailSender sender(ConnectionSettings settings, int maxConnections, Duration maxWait,
                                      SmtpListener listener) {
        PoolSettings pool = PoolSettings.builder().maxConnections(maxConnections).maxWait(maxWait).build();
        return new PipelinedMailSender(new SmtpConnectionPool(settings, SendingOptions.DEFAULTS, pool, listener), "UTF-8",
                DeliveryPolicy.PARTIAL, Duration.ofSeconds(5));
    }

    /** Counts live connections and the most that were ever open at once. */
    static final class ConnectionCounter implements SmtpListener {
        final AtomicInteger live = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final AtomicInteger opened = new AtomicInteger();

        @Override
        public void connectionOpened() {
            opened.incrementAndGet();
            max.accumulateAndGet(live.incrementAndGet(), Math::max);
        }

        @Override
        public void connectionRetired(io.github.pipeliningsmtp.client.RetireReason reason) {
            live.decrementAndGet();
        }
    }
}
