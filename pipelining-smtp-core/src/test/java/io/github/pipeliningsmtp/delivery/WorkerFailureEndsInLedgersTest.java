package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.Envelope;
import io.github.pipeliningsmtp.client.MessageContent;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.MessageStatus;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.pool.PoolSettings;
import io.github.pipeliningsmtp.pool.SmtpConnectionPool;
import io.github.pipeliningsmtp.protocol.SmtpReply;
import io.github.pipeliningsmtp.testing.ScriptedSmtpServer;
import io.github.pipeliningsmtp.testkit.ClientFixtures;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Any failure of a send worker ends in ledgers (issue 12, item 2): a batch of 20 messages goes out in
 * two shares of 10 on two connections, and an {@link Error} is injected into one share (a content
 * whose writeTo throws, a listener that throws mid-flight, a share sender that throws). The batch
 * returns its outcome instead of throwing, the share that failed is FAILED or UNKNOWN by the usual
 * rules, the other share is SUCCEEDED, and no connection or pool slot is left behind.
 */
class WorkerFailureEndsInLedgersTest {

    private static final int BATCH = 20;

    private final ScriptedSmtpServer server = ClientFixtures.server();
    private SmtpConnectionPool pool;

    @AfterEach
    void tearDown() throws Exception {
        if (pool != null) {
            assertThat(pool.active()).as("pool slots in use").isZero();
            pool.close(Duration.ofSeconds(2));
        }
        server.awaitNoOpenConnections(Duration.ofSeconds(3));
        server.close();
    }

    private SmtpConnectionPool pool(SmtpListener listener) {
        ConnectionSettings settings = ClientFixtures.settings(server).build();
        pool = new SmtpConnectionPool(settings, SendingOptions.DEFAULTS,
                PoolSettings.builder().maxConnections(2).maxWait(Duration.ofSeconds(2)).build(), listener);
        return pool;
    }

    private static List<OutgoingMessage> batch(int broken) {
        List<OutgoingMessage> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            batch.add(i == broken ? new OutgoingMessage(Envelope.of("s@example.com", "r" + i + "@example.net"),
                    new ThrowingContent()) : ClientFixtures.message(300, "r" + i + "@example.net"));
        }
        return batch;
    }

    private static long count(List<MessageLedger> ledgers, MessageStatus status) {
        return ledgers.stream().filter(l -> l.status() == status).count();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aShareWhoseSenderThrowsIsUnknownAndTheOtherShareIsReported() {
        SmtpConnectionPool pool = pool(new SmtpListener() { });
        PooledDelivery real = new PooledDelivery(pool);
        List<OutgoingMessage> messages = batch(-1);
        OutgoingMessage marked = messages.get(15);
        try (BatchDelivery delivery = new BatchDelivery(pool, DeliveryOptions.DEFAULTS, share -> {
            if (share.contains(marked)) {
                throw new OutOfMemoryError("injected");
            }
            return real.deliver(share);
        })) {
            List<MessageLedger> ledgers = delivery.deliver(messages).ledgers();
            assertThat(ledgers.subList(0, 10)).extracting(MessageLedger::status).containsOnly(MessageStatus.SUCCEEDED);
            assertThat(ledgers.subList(10, 20)).extracting(MessageLedger::status).containsOnly(MessageStatus.UNKNOWN);
            assertThat(ledgers.get(10).firstError().orElseThrow().exception()).get()
                    .isInstanceOf(OutOfMemoryError.class);
        }
        assertThat(server.messages()).hasSize(10);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void contentWhoseWriteToThrowsAnErrorFailsOnlyItsMessage() {
        try (BatchDelivery delivery = new BatchDelivery(pool(new SmtpListener() { }), DeliveryOptions.DEFAULTS)) {
            List<MessageLedger> ledgers = delivery.deliver(batch(15)).ledgers();
            assertThat(ledgers.get(15).status()).isEqualTo(MessageStatus.FAILED);
            assertThat(ledgers.get(15).started()).isFalse();
            assertThat(ledgers.get(15).firstError().orElseThrow().exception()).get()
                    .isInstanceOf(OutOfMemoryError.class);
            assertThat(count(ledgers, MessageStatus.SUCCEEDED)).isEqualTo(BATCH - 1);
        }
        assertThat(server.messages()).hasSize(BATCH - 1);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aListenerThatThrowsMidFlightEndsItsShareByTheUsualRules() {
        ThreadLocal<int[]> endsOfData = ThreadLocal.withInitial(() -> new int[1]);
        AtomicBoolean fired = new AtomicBoolean();
        SmtpListener listener = new SmtpListener() {
            @Override
            public void replyReceived(String command, SmtpReply reply) {
                // the third end-of-data reply on the first worker's connection to get there
                if (command.equals("END_OF_DATA") && ++endsOfData.get()[0] == 3 && fired.compareAndSet(false, true)) {
                    throw new StackOverflowError("injected");
                }
            }
        };
        try (BatchDelivery delivery = new BatchDelivery(pool(listener), DeliveryOptions.DEFAULTS)) {
            List<MessageLedger> ledgers = delivery.deliver(batch(-1)).ledgers();
            assertThat(fired).isTrue();
            // the failed share: 2 SUCCEEDED; the one whose end-of-data reply was being read UNKNOWN; the
            // next (MAIL FROM written in the same flight, no content) and the 6 not started FAILED
            assertThat(count(ledgers, MessageStatus.UNKNOWN)).isEqualTo(1);
            assertThat(count(ledgers, MessageStatus.FAILED)).isEqualTo(7);
            assertThat(count(ledgers, MessageStatus.SUCCEEDED)).isEqualTo(12);
            assertThat(ledgers).filteredOn(l -> l.status() == MessageStatus.FAILED)
                    .allSatisfy(l -> assertThat(l.firstError().orElseThrow().exception()).get()
                            .isInstanceOf(StackOverflowError.class));
            // the truth: the server stored what SUCCEEDED and the UNKNOWN one, nothing FAILED
            assertThat(server.messages()).hasSize(13);
        }
    }

    /** Repeatable content whose writeTo throws an Error (the server advertises SIZE: it is measured first). */
    private static final class ThrowingContent implements MessageContent {
        @Override
        public void writeTo(OutputStream out) {
            throw new OutOfMemoryError("injected");
        }

        @Override
        public boolean repeatable() {
            return true;
        }
    }
}
