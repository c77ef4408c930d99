package io.github.pipeliningsmtp.mta;

import io.github.pipeliningsmtp.client.SendingOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.mail.javamail.MimeMessageHelper;

/**
 * Shared sender, interleaved commands (docs/fault-kinds.md#shared-sender-interleaving), against Postfix: one shared {@link PipelinedMailSender} with a pool of 4 connections (STARTTLS
 * required, hostname verified), 64 threads × 50 messages. Every message reaches the maildir exactly
 * once with its own envelope (Return-Path, Delivered-To) and content, at most 4 connections are ever
 * open, and none is left borrowed.
 */
@Tag("mta")
class MtaSharedSenderLoadIT {

    @Test
    @Timeout(300)
    void sixtyFourThreadsTimesFiftyMessagesOnOneSenderWithAPoolOfFour() throws Exception {
        MtaServer mta = MtaServer.get();
        int threads = 64;
        int perThread = 50;
        int total = threads * perThread;
        String run = UUID.randomUUID().toString();
        AtomicInteger live = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        SmtpListener counter = new SmtpListener() {
            @Override
            public void connectionOpened() {
                max.accumulateAndGet(live.incrementAndGet(), Math::max);
            }

            @Override
            public void connectionRetired(io.github.pipeliningsmtp.client.RetireReason reason) {
                live.decrementAndGet();
            }
        };
        SmtpConnectionPool pool = new SmtpConnectionPool(mta.settings().build(), SendingOptions.DEFAULTS,
                PoolSettings.builder().maxConnections(4).maxWait(Duration.ofSeconds(60)).build(), counter);
        PipelinedMailSender sender = new PipelinedMailSender(pool, "UTF-8", DeliveryPolicy.PARTIAL,
                Duration.ofSeconds(10));
        long start = System.nanoTime();
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(executor.submit(() -> {
                    for (int k = 0; k < perThread; k++) {
                        int i = thread * perThread + k;
                        MimeMessage m = sender.createMimeMessage();
                        MimeMessageHelper h = new MimeMessageHelper(m);
                        h.setFrom("sender-" + i + "@example.com");
                        h.setTo("rcpt-" + i + "@example.net");
                        h.setSubject("case " + i);
                        h.setText("case " + i + " of run " + run);
                        m.setHeader("X-Run", run);
                        m.setHeader("X-Case-Id", Integer.toString(i));
                        sender.send(m);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            executor.shutdown();
        }
        long sentMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(pool.active()).as(pool.stats()).isZero();
        sender.close();
        assertThat(max.get()).isLessThanOrEqualTo(4);
        List<MtaServer.Delivery> stored = mta.awaitDeliveries(c -> c.contains("X-Run: " + run), total,
                Duration.ofSeconds(120), Duration.ofSeconds(1));
        long deliveredMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("[MtaSharedSenderLoadIT] " + total + " messages from " + threads
                + " threads, pool of 4: all 250 after " + sentMillis + " ms, all in the maildir after "
                + deliveredMillis + " ms; most connections open at once: " + max.get());
        assertThat(stored).hasSize(total);
        Map<Integer, Integer> copies = new HashMap<>();
        for (MtaServer.Delivery d : stored) {
            int id = Integer.parseInt(d.header("X-Case-Id"));
            copies.merge(id, 1, Integer::sum);
            assertThat(d.returnPath()).isEqualTo("sender-" + id + "@example.com");
            assertThat(d.deliveredTo()).isEqualTo("rcpt-" + id + "@example.net");
            assertThat(d.header("Subject")).isEqualTo("case " + id);
            assertThat(d.body().trim()).isEqualTo("case " + id + " of run " + run);
        }
        assertThat(copies).hasSize(total);
        assertThat(copies.values()).containsOnly(1);
    }
}
