package io.github.pipeliningsmtp.sender;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testing.StandardSession;
import io.github.pipeliningsmtp.testing.StoredMessage;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.mail.javamail.MimeMessageHelper;

/**
 * Shared sender, interleaved commands (docs/fault-kinds.md#shared-sender-interleaving): one sender bean, pool of 4, 64 threads × 50 messages, a server
 * that answers each command after a random delay: every transaction is whole and every message is
 * stored exactly once. (Delays are kept to 0–3 ms to keep the suite fast.)
 */
class SharedSenderTest {

    @Test
    @Timeout(120)
    void sixtyFourThreadsShareOneSenderWithoutInterleaving() throws Exception {
        int threads = 64;
        int perThread = 50;
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(StandardSession.builder().commandHook((s, line) -> {
                Thread.sleep(ThreadLocalRandom.current().nextInt(4));
                return null;
            }).build());
            Senders.ConnectionCounter counter = new Senders.ConnectionCounter();
            PipelinedMailSender sender = Senders.sender(ClientFixtures.settings(server.port()).build(), 4,
                    Duration.ofSeconds(30), counter);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int k = 0; k < perThread; k++) {
                        int i = thread * perThread + k;
                        MimeMessage m = sender.createMimeMessage();
                        MimeMessageHelper h = new MimeMessageHelper(m);
                        h.setFrom("sender-" + i + "@example.com");
                        h.setTo("rcpt-" + i + "@example.net");
                        h.setSubject("case " + i);
                        h.setText("case " + i);
                        m.setHeader("X-Case-Id", Integer.toString(i));
                        sender.send(m);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            sender.close();
            assertThat(sender.pool().active()).isZero();
            assertThat(counter.max.get()).isLessThanOrEqualTo(4);
            List<StoredMessage> stored = server.messages();
            assertThat(stored).hasSize(threads * perThread);
            Set<Integer> seen = new HashSet<>();
            for (StoredMessage m : stored) {
                int id = Integer.parseInt(m.header("X-Case-Id").orElseThrow());
                assertThat(m.mailFrom()).isEqualTo("sender-" + id + "@example.com");
                assertThat(m.recipients()).containsExactly("rcpt-" + id + "@example.net");
                assertThat(m.body().trim()).isEqualTo("case " + id);
                assertThat(seen.add(id)).as("stored once: %d", id).isTrue();
            }
            server.awaitNoOpenConnections(Duration.ofSeconds(3));
        }
    }
}
