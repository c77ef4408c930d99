package io.github.pipeliningsmtp.benchmarks;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.sender.SendReport;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;

/** This project's {@link PipelinedMailSender}: one {@code sendAndReport} batch over a pool of {@code pool} connections. */
final class PipelinedContender implements Contender {

    private final int pool;

    PipelinedContender(int pool) {
        this.pool = pool;
    }

    @Override
    public String name() {
        return "PipelinedMailSender pool " + pool + " DATA";
    }

    @Override
    public int connections() {
        return pool;
    }

    @Override
    public int minMessages(boolean quick) {
        return quick ? 40 : 200;
    }

    static PipelinedMailSender sender(String host, int port, int pool) {
        ConnectionSettings settings = ConnectionSettings.builder(host, port)
                .ehloName("localhost")
                .pipelining(true)
                .build();
        SmtpConnectionPool connections = new SmtpConnectionPool(settings,
                PoolSettings.builder().maxConnections(pool).build());
        return new PipelinedMailSender(connections, "UTF-8", DeliveryPolicy.PARTIAL, Duration.ofSeconds(10));
    }

    @Override
    public Batch prepare(String host, int port, int n, List<String> recipients) throws Exception {
        PipelinedMailSender sender = sender(host, port, pool);
        MimeMessage[] messages = new MimeMessage[n];
        for (int i = 0; i < n; i++) {
            messages[i] = Messages.fill(sender.createMimeMessage(), i, recipients);
        }
        return new Batch() {
            @Override
            public int send() {
                SendReport report = sender.sendAndReport(messages);
                return (int) report.entries().stream().filter(SendReport.Entry::succeeded).count();
            }

            @Override
            public void close() {
                sender.close();
            }
        };
    }
}
