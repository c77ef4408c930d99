package io.github.pipeliningsmtp.sender;

import static io.github.pipeliningsmtp.sender.Senders.message;
import static io.github.pipeliningsmtp.sender.Senders.runner;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.RecipientStatus;
import io.github.pipeliningsmtp.testing.ProviderSimulator;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailSendException;

/**
 * Through {@code JavaMailSender.send}, against a relay capping concurrent transactions at 3 (432
 * 4.3.2 at DATA): without retry, a refused message's send throws {@link MailSendException} whose
 * failed message holds the ledger (both recipients FAILED transient {DATA, 432, 4.3.2}); with
 * retry, every send returns and every message is stored once.
 */
class RelayConcurrencyCapThroughSpringTest {

    @Test
    void withoutRetryTheRefusedSendsThrowWithTheLedger() throws Exception {
        List<Object> outcomes = sendTenAtOnce(false);
        List<MessageLedger> refused = new ArrayList<>();
        for (Object o : outcomes) {
            if (o instanceof MailSendException e) {
                Exception failed = e.getFailedMessages().values().iterator().next();
                refused.add(((MessageDeliveryException) failed).ledger().orElseThrow());
            }
        }
        assertThat(refused).isNotEmpty().allSatisfy(l -> assertThat(l.recipients()).hasSize(2).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(RecipientStatus.FAILED);
            assertThat(r.error().orElseThrow().toString()).startsWith("{DATA, 432 4.3.2");
        }));
    }

    @Test
    void withRetryEverySendReturnsAndEachMessageIsStoredOnce() throws Exception {
        assertThat(sendTenAtOnce(true)).allMatch(o -> o.equals("sent"));
    }

    private List<Object> sendTenAtOnce(boolean retry) throws Exception {
        ProviderSimulator relay = ProviderSimulator.builder().concurrentTransactions(3)
                .transactionTime(Duration.ofMillis(150)).build();
        List<Object> outcomes = new ArrayList<>();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            server.setDefaultScript(relay);
            ExecutorService threads = Executors.newFixedThreadPool(10);
            runner(server.port(), "smtp.pipelining.pool.max-connections=5", "smtp.pipelining.retry.enabled=" + retry,
                    "smtp.pipelining.retry.initial-back-off=50ms", "smtp.pipelining.retry.max-attempts=6")
                    .run(context -> {
                        PipelinedMailSender sender = context.getBean(PipelinedMailSender.class);
                        CountDownLatch start = new CountDownLatch(1);
                        List<Future<Object>> sends = new ArrayList<>();
                        for (int i = 0; i < 10; i++) {
                            MimeMessage m = message(sender, "m" + i + "-a@example.net", "m" + i + "-b@example.net");
                            sends.add(threads.submit(() -> {
                                start.await();
                                try {
                                    sender.send(m);
                                    return "sent";
                                } catch (MailSendException e) {
                                    return e;
                                }
                            }));
                        }
                        start.countDown();
                        for (Future<Object> f : sends) {
                            outcomes.add(f.get(30, TimeUnit.SECONDS));
                        }
                    });
            threads.shutdownNow();
            long sent = outcomes.stream().filter("sent"::equals).count();
            assertThat(server.messages()).hasSize((int) sent);
            assertThat(server.messages().stream().flatMap(m -> m.recipients().stream()).distinct()).hasSize(2 * (int) sent);
            assertThat(outcomes).hasSize(10);
            assertThat(10 - sent).isEqualTo(retry ? 0 : relay.refusals(ProviderSimulator.CONCURRENCY_REPLY));
        }
        return outcomes;
    }
}
