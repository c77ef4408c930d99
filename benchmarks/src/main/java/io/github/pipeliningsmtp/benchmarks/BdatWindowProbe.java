package io.github.pipeliningsmtp.benchmarks;

import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.testing.PipeliningRelay;
import io.github.pipeliningsmtp.testing.RelayOptions;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;

/**
 * Side measurement for the BDAT note in BENCHMARKS.md (not part of run.sh): 1,000 messages to 1 recipient,
 * pool 1, BDAT, through the relay at the RTT given (ms), with maxMessagesInFlight 50 (the default), 200
 * and 1,000, 3 times each. Prints time, msg/s and the round trips counted at the relay.
 */
public final class BdatWindowProbe {

    private BdatWindowProbe() {
    }

    public static void main(String[] a) throws Exception {
        int rtt = Integer.parseInt(a[0]);
        List<String> to = Messages.recipients(1);
        try (FastSmtpSink sink = FastSmtpSink.startWithChunking();
             PipeliningRelay relay = PipeliningRelay.start("127.0.0.1", sink.port(),
                     RelayOptions.defaults().withDelay(Duration.ofNanos(rtt * 500_000L)).withInsertPipelining(false))) {
            for (int rep = 0; rep < 3; rep++) {
                for (int w : new int[] {50, 200, 1000}) {
                    ConnectionSettings s = ConnectionSettings.builder(relay.host(), relay.port()).ehloName("localhost")
                            .build();
                    SendingOptions o = SendingOptions.builder().chunking(true).maxMessagesInFlight(w).build();
                    try (PipelinedMailSender sender = new PipelinedMailSender(new SmtpConnectionPool(s, o,
                            PoolSettings.builder().maxConnections(1).build(), SmtpListener.NONE), "UTF-8", DeliveryPolicy.PARTIAL,
                            Duration.ofSeconds(10))) {
                        MimeMessage[] m = new MimeMessage[1000];
                        for (int i = 0; i < m.length; i++) { m[i] = Messages.fill(sender.createMimeMessage(), i, to); }
                        relay.resetCounters(); sink.resetCounters();
                        long t0 = System.nanoTime();
                        var r = sender.sendAndReport(m);
                        double sec = (System.nanoTime() - t0) / 1e9;
                        System.out.printf(java.util.Locale.ROOT, "rtt=%d window=%d: %.3f s, %.0f msg/s, relay round trips %d, ok %d, bdat %d%n", rtt, w, sec,
                                1000 / sec, relay.roundTrips(), r.entries().stream().filter(e -> e.succeeded()).count(), sink.bdatMessages());
                    }
                }
            }
        }
        System.exit(0);
    }
}
