package io.github.pipeliningsmtp.mta;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.client.SendReport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Soak runner (not part of CI; {@code scripts/soak/run.sh}): sends {@code -Dsoak.messages} (default
 * 100,000) messages through one {@link PipelinedMailSender} with a pool of {@code -Dsoak.pool}
 * (default 4) connections from {@code -Dsoak.threads} (default 8) threads against the Postfix of
 * {@code scripts/mta/start.sh}, in batches of {@code -Dsoak.batch} (default 10) messages per call.
 * Every {@code -Dsoak.sample} (default 5,000) messages it runs a full GC and samples the heap in
 * use (MemoryMXBean); at the end it compares the last samples with the first ones after warm-up
 * and says whether the heap stayed flat. Recipients are the maildir's; the maildir is emptied as it
 * goes so the disk does not fill.
 */
public final class SoakRunner {

    private SoakRunner() {
    }

    public static void main(String[] args) throws Exception {
        int total = Integer.getInteger("soak.messages", 100_000);
        int poolSize = Integer.getInteger("soak.pool", 4);
        int threads = Integer.getInteger("soak.threads", 8);
        int batch = Integer.getInteger("soak.batch", 10);
        int sampleEvery = Integer.getInteger("soak.sample", 5_000);
        MtaServer mta = MtaServer.getOrFail();
        SmtpConnectionPool pool = new SmtpConnectionPool(mta.settings().build(),
                PoolSettings.builder().maxConnections(poolSize).maxWait(Duration.ofSeconds(60)).build());
        PipelinedMailSender sender = new PipelinedMailSender(pool, "UTF-8", DeliveryPolicy.PARTIAL,
                Duration.ofSeconds(30));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AtomicLong next = new AtomicLong();
        AtomicLong succeeded = new AtomicLong();
        AtomicLong notSucceeded = new AtomicLong();
        AtomicLong nextSample = new AtomicLong(sampleEvery);
        List<long[]> samples = new ArrayList<>(); // {messages, heap used after GC}
        Object sampleLock = new Object();
        long start = System.nanoTime();
        System.out.printf("soak: %,d messages, pool %d, %d threads, batches of %d, against 127.0.0.1:%d (STARTTLS)%n",
                total, poolSize, threads, batch, mta.port);
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(executor.submit(() -> {
                while (true) {
                    long first = next.getAndAdd(batch);
                    if (first >= total) {
                        return null;
                    }
                    int n = (int) Math.min(batch, total - first);
                    MimeMessage[] messages = new MimeMessage[n];
                    for (int k = 0; k < n; k++) {
                        long i = first + k;
                        MimeMessage m = sender.createMimeMessage();
                        m.setFrom(new InternetAddress("soak-" + i + "@example.com"));
                        m.setRecipients(MimeMessage.RecipientType.TO, "soak-" + (i % 100) + "@example.net");
                        m.setSubject("soak " + i);
                        m.setText("soak message " + i + "\n" + "x".repeat((int) (i % 2000)));
                        messages[k] = m;
                    }
                    SendReport report = sender.sendAndReport(messages);
                    for (SendReport.Entry e : report.entries()) {
                        (e.succeeded() ? succeeded : notSucceeded).incrementAndGet();
                    }
                    long done = first + n;
                    if (done >= nextSample.get()) {
                        synchronized (sampleLock) {
                            if (done >= nextSample.get()) {
                                nextSample.addAndGet(sampleEvery);
                                System.gc();
                                long used = memory.getHeapMemoryUsage().getUsed();
                                samples.add(new long[] {done, used});
                                double secs = (System.nanoTime() - start) / 1e9;
                                System.out.printf("soak: %,7d sent, heap used after GC %,6d KiB, pool %s, %.0f msg/s%n",
                                        done, used / 1024, pool.stats(), done / secs);
                                clean(mta);
                            }
                        }
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        executor.shutdown();
        int activeBeforeClose = pool.active();
        sender.close();
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("soak: done, %,d succeeded, %,d not, %.1f s (%.0f msg/s), pool active at the end %d%n",
                succeeded.get(), notSucceeded.get(), secs, total / secs, activeBeforeClose);
        verdict(samples);
        clean(mta);
    }

    /** Flat when the mean of the last quarter of samples is within 10 % (or 2 MiB) of the second quarter's. */
    private static void verdict(List<long[]> samples) {
        if (samples.size() < 4) {
            System.out.println("soak: too few samples for a verdict");
            return;
        }
        int q = samples.size() / 4;
        double early = samples.subList(q, 2 * q).stream().mapToLong(s -> s[1]).average().orElse(0);
        double late = samples.subList(samples.size() - q, samples.size()).stream().mapToLong(s -> s[1]).average()
                .orElse(0);
        long min = samples.stream().mapToLong(s -> s[1]).min().orElse(0);
        long max = samples.stream().mapToLong(s -> s[1]).max().orElse(0);
        boolean flat = late <= early * 1.10 || late - early < 2 * 1024 * 1024;
        System.out.printf("soak: heap after GC min %,d KiB, max %,d KiB; early mean %,.0f KiB, late mean %,.0f KiB: %s%n",
                min / 1024, max / 1024, early / 1024, late / 1024, flat ? "FLAT" : "GROWING");
    }

    /** Deletes delivered soak messages from the maildir so that a long run does not fill the disk. */
    private static void clean(MtaServer mta) {
        try {
            for (MtaServer.Delivery d : mta.deliveries(c -> c.contains("Subject: soak "))) {
                java.nio.file.Files.deleteIfExists(d.file());
            }
        } catch (java.io.IOException e) {
            System.out.println("soak: could not clean the maildir: " + e);
        }
    }
}
