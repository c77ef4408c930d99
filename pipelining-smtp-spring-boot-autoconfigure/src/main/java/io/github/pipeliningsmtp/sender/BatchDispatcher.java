package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.DeliveryPolicy;
import io.github.pipeliningsmtp.client.MessageLedger;
import io.github.pipeliningsmtp.client.OutgoingMessage;
import io.github.pipeliningsmtp.client.SessionFailures;
import io.github.pipeliningsmtp.pool.PooledDelivery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Spreads a batch over up to the pool's size of connections: the batch is cut into chunks (at most
 * the pool's messages-per-connection limit each, about an equal share per connection), and workers
 * (the calling thread and up to pool-size − 1 helper threads) take chunks in order, each pipelining
 * its chunk on one pooled connection. Thread-safe; batches from many threads share the pool.
 */
final class BatchDispatcher implements AutoCloseable {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final PooledDelivery delivery;
    private final ExecutorService helpers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "smtp-pipelining-send-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    BatchDispatcher(PooledDelivery delivery) {
        this.delivery = delivery;
    }

    /** What happened to the batch: one ledger per message, round trips, and the first connection failure. */
    record Outcome(List<MessageLedger> ledgers, long roundTrips, IOException connectionFailure) {
    }

    Outcome dispatch(List<OutgoingMessage> messages, DeliveryPolicy policy) {
        int n = messages.size();
        MessageLedger[] ledgers = new MessageLedger[n];
        if (n == 0) {
            return new Outcome(List.of(), 0, null);
        }
        int connections = delivery.pool().settings().maxConnections();
        int perConnectionLimit = delivery.pool().settings().maxMessagesPerConnection();
        int chunk = (n + connections - 1) / connections;
        if (perConnectionLimit > 0) {
            chunk = Math.min(chunk, perConnectionLimit);
        }
        int chunkSize = chunk;
        int chunks = (n + chunkSize - 1) / chunkSize;
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong roundTrips = new java.util.concurrent.atomic.AtomicLong();
        AtomicReference<IOException> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                int from = c * chunkSize;
                int to = Math.min(n, from + chunkSize);
                List<OutgoingMessage> part = messages.subList(from, to);
                try {
                    PooledDelivery.Result result = delivery.deliver(part, policy);
                    roundTrips.addAndGet(result.roundTrips());
                    for (int i = from; i < to; i++) {
                        ledgers[i] = result.ledgers().get(i - from);
                    }
                } catch (IOException e) {
                    failure.compareAndSet(null, e);
                    for (int i = from; i < to; i++) {
                        ledgers[i] = MessageLedger.notSent(messages.get(i).envelope(),
                                SessionFailures.errorOf(e, delivery.pool().connectionSettings().tlsMode()));
                    }
                }
            }
        };
        int workers = Math.min(connections, chunks);
        List<Future<?>> started = new ArrayList<>();
        for (int w = 1; w < workers; w++) {
            try {
                started.add(helpers.submit(worker));
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                break; // the sender is closing: the calling thread takes the remaining chunks itself
            }
        }
        worker.run();
        // helpers are sending on connections of their own: wait for them even if interrupted, so that
        // every message's ledger comes back, then restore the interrupt
        boolean interrupted = false;
        for (Future<?> f : started) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("a send worker failed", e.getCause());
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return new Outcome(List.of(ledgers), roundTrips.get(), failure.get());
    }

    @Override
    public void close() {
        helpers.shutdown();
    }
}
