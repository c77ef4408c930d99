package io.github.pipeliningsmtp.client;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads that write large flights while the connection's own thread reads the replies
 * (RFC 2920 §3.2: a client must not deadlock against a server that blocks writing replies). One
 * thread per flight in progress; idle threads end after 60 s.
 */
final class WriterThreads {

    private static final AtomicInteger COUNT = new AtomicInteger();

    static final ExecutorService EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "smtp-pipelining-writer-" + COUNT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private WriterThreads() {
    }
}
