package io.github.pipeliningsmtp.benchmarks;

import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;

/**
 * This project's {@link PipelinedMailSender}: one {@code sendAndReport} batch over a pool of
 * {@code pool} connections, content by DATA ({@code chunking(false)}) or by BDAT (the engine's
 * defaults: {@code chunking(true)}, 128 KiB chunks, {@value #MAX_MESSAGES_IN_FLIGHT} messages per
 * round trip), which needs a server that advertises CHUNKING and PIPELINING.
 */
final class PipelinedContender implements Contender {

    /** The engine's default, set explicitly so the tables say what was measured. */
    static final int MAX_MESSAGES_IN_FLIGHT = 50;

    private final int pool;
    private final boolean bdat;

    PipelinedContender(int pool) {
        this(pool, false);
    }

    PipelinedContender(int pool, boolean bdat) {
        this.pool = pool;
        this.bdat = bdat;
    }

    @Override
    public String name() {
        return "PipelinedMailSender pool " + pool + (bdat ? " BDAT" : " DATA");
    }

    @Override
    public boolean chunking() {
        return bdat;
    }

    /**
     * With BDAT a round trip carries up to {@value #MAX_MESSAGES_IN_FLIGHT} messages, so a 3-message
     * probe would be all set-up and would make the count far too small: probe 300 (six full flights).
     */
    @Override
    public int probeMessages(int rttMillis) {
        return bdat ? 300 : Contender.super.probeMessages(rttMillis);
    }

    @Override
    public int connections() {
        return pool;
    }

    @Override
    public int minMessages(boolean quick) {
        // BDAT: the scenario's 1,000 in a full run (20 round trips of 50), so set-up does not dominate
        return bdat ? (quick ? 200 : 1000) : (quick ? 40 : 200);
    }

    static PipelinedMailSender sender(String host, int port, int pool, boolean bdat) {
        return sender(host, port, pool, bdat, 0);
    }

    /** With {@code minIdle} connections kept open ({@code pool.min-idle}); none are opened here. */
    static PipelinedMailSender sender(String host, int port, int pool, boolean bdat, int minIdle) {
        ConnectionSettings settings = ConnectionSettings.builder(host, port)
                .ehloName("localhost")
                .build();
        SendingOptions options = SendingOptions.builder()
                .pipelining(true)
                .chunking(bdat)
                .maxMessagesInFlight(MAX_MESSAGES_IN_FLIGHT)
                .build();
        SmtpConnectionPool connections = new SmtpConnectionPool(settings, options,
                PoolSettings.builder().maxConnections(pool).minIdle(minIdle).build(), SmtpListener.NONE);
        return new PipelinedMailSender(connections, "UTF-8", DeliveryPolicy.PARTIAL, Duration.ofSeconds(10));
    }

    @Override
    public Batch prepare(String host, int port, int n, List<String> recipients) throws Exception {
        PipelinedMailSender sender = sender(host, port, pool, bdat);
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
