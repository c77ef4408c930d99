package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.protocol.Printable;
import java.io.IOException;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

/**
 * A pool of open SMTP connections on Apache Commons Pool 2. A connection is lent to one borrower
 * at a time, checked when borrowed (READY, within its message and age limits, not stale: nothing
 * unasked waiting in its socket and, after a second idle, not closed by the server), and retired
 * with QUIT when it breaks, reaches a limit, or stays idle past the max idle time.
 *
 * <p>Borrowers wait in arrival order (fair), at most the pool's max wait in all: first for a place
 * under the {@linkplain PoolSettings#adaptiveConcurrency() adaptive concurrency limit}
 * ({@link #concurrencyLimit()}), then for a connection of Commons Pool 2 (whose {@code maxTotal}
 * is {@code max-connections}).
 *
 * <p>Thread-safe. {@link #release} must be called exactly once for every {@link #borrow}, whatever
 * happened: a broken connection is then destroyed and its slot freed, so failures never leak slots.
 */
public final class SmtpConnectionPool implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SmtpConnectionPool.class.getName());

    private final GenericObjectPool<SmtpConnection> pool;
    private final SmtpConnectionFactory factory;
    private final PoolSettings settings;
    private final ConnectionSettings connectionSettings;
    private final SendingOptions sendingOptions;
    private final Set<SmtpConnection> lent = ConcurrentHashMap.newKeySet();
    private final ConcurrencyLimit limit;

    /**
     * A pool that opens connections with {@code connectionSettings} and {@code sendingOptions}, and
     * tells {@code listener} of their replies and round trips and of connections opened and retired.
     */
    public SmtpConnectionPool(ConnectionSettings connectionSettings, SendingOptions sendingOptions,
                              PoolSettings settings, SmtpListener listener) {
        this.settings = settings;
        this.connectionSettings = connectionSettings;
        this.sendingOptions = sendingOptions;
        this.limit = new ConcurrencyLimit(settings.maxConnections(), settings.adaptiveConcurrency(),
                settings.successesBeforeIncrease(), listener);
        this.factory = new SmtpConnectionFactory(connectionSettings, sendingOptions, settings,
                new ThrottleSignals(listener, limit, sendingOptions.rateLimit()));
        GenericObjectPoolConfig<SmtpConnection> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(settings.maxConnections());
        config.setMaxIdle(settings.maxConnections());
        config.setMinIdle(settings.minIdle());
        config.setMaxWait(settings.maxWait());
        config.setBlockWhenExhausted(true);
        // waiters are served in arrival order, so no sending thread starves behind later ones
        config.setFairness(true);
        config.setLifo(true);
        config.setTestOnBorrow(true);
        config.setTestWhileIdle(true);
        config.setMinEvictableIdleDuration(settings.maxIdleTime());
        Duration half = settings.maxIdleTime().dividedBy(2);
        config.setTimeBetweenEvictionRuns(half.compareTo(Duration.ofSeconds(30)) < 0 ? half : Duration.ofSeconds(30));
        config.setNumTestsPerEvictionRun(settings.maxConnections());
        config.setJmxEnabled(false);
        this.pool = new GenericObjectPool<>(factory, config);
    }

    /** A pool without listener. */
    public SmtpConnectionPool(ConnectionSettings connectionSettings, PoolSettings settings) {
        this(connectionSettings, SendingOptions.DEFAULTS, settings, SmtpListener.NONE);
    }

    /**
     * Lends a READY connection: an idle one, or a new one opened on this thread.
     *
     * @throws SmtpPoolTimeoutException when none is free within the max wait
     * @throws IOException              what {@link SmtpConnection#open} throws when a new one cannot be opened
     */
    public SmtpConnection borrow() throws IOException {
        return borrow(settings.maxWait());
    }

    /**
     * As {@link #borrow()}, waiting at most {@code maxWait} in all, for the adaptive concurrency
     * limit and then for a connection (at most the pool's max wait; for a caller that has already
     * waited part of it elsewhere). The timeout's message names the pool's max wait, as for
     * {@link #borrow()}.
     *
     * @throws SmtpPoolTimeoutException when none is free within {@code maxWait}
     * @throws IOException              what {@link SmtpConnection#open} throws when a new one cannot be opened
     */
    public SmtpConnection borrow(Duration maxWait) throws IOException {
        Duration wait = maxWait.compareTo(settings.maxWait()) < 0 ? maxWait : settings.maxWait();
        long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
        if (!limit.acquire(deadline)) {
            throw new SmtpPoolTimeoutException("no SMTP connection within " + settings.maxWait().toMillis()
                    + " ms: the concurrency limit is " + limit.limit() + " (" + stats() + ")", null);
        }
        boolean lentOut = false;
        try {
            SmtpConnection connection = pool.borrowObject(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            lent.add(connection);
            lentOut = true;
            return connection;
        } catch (IOException e) {
            throw e;
        } catch (NoSuchElementException e) {
            if (pool.isClosed()) {
                throw new IOException("the SMTP connection pool is closed", e);
            }
            throw timeout(e);
        } catch (IllegalStateException e) {
            throw new IOException("the SMTP connection pool is closed", e);
        } catch (Exception e) {
            throw new IOException("could not open an SMTP connection: " + e, e);
        } finally {
            if (!lentOut) {
                limit.release();
            }
        }
    }

    /** The exception of a borrow that found no connection within the max wait, naming the pool's state. */
    public SmtpPoolTimeoutException timeout(Throwable cause) {
        return new SmtpPoolTimeoutException("no SMTP connection within " + settings.maxWait().toMillis()
                + " ms (" + stats() + ")", cause);
    }

    /** Takes a borrowed connection back: kept if still usable, otherwise closed and its slot freed. */
    public void release(SmtpConnection connection) {
        boolean wasLent = lent.remove(connection);
        try {
            if (factory.retireReason(connection) == null && !pool.isClosed()) {
                pool.returnObject(connection);
            } else {
                pool.invalidateObject(connection);
            }
        } catch (Exception e) {
            connection.close();
        } finally {
            // the place is given back only once the connection is idle again (or gone), so that the
            // borrower it wakes takes this connection instead of opening one more
            if (wasLent) {
                limit.release();
            }
        }
    }

    /**
     * Opens connections until {@link PoolSettings#minIdle() min-idle} are idle, so that the first
     * sends find them open (greeting, EHLO, STARTTLS and AUTH already done): one after another on the
     * calling thread, each as {@link SmtpConnection#open} bounds it (its connect timeout, 10 s by
     * default, its greeting deadline, 60 s, and a deadline of the command timeout, 60 s, for each
     * set-up command: EHLO, STARTTLS and EHLO again, AUTH). The first failure ends the warm-up, so it
     * takes at most one failing open plus the successful ones. Connections opened stay in the pool; afterwards the pool's evictor keeps
     * min-idle open (it runs every 30 s at most). Does nothing with min-idle 0 or once closed.
     *
     * @return the connections idle when it returns
     * @throws IOException what {@link SmtpConnection#open} throws for the first connection that could
     *                     not be opened (the ones before it stay open)
     */
    public int warmUp() throws IOException {
        try {
            pool.preparePool();
        } catch (IOException e) {
            throw e;
        } catch (IllegalStateException e) {
            if (!pool.isClosed()) {
                throw e;
            }
        } catch (Exception e) {
            throw new IOException("could not open an SMTP connection: " + e, e);
        }
        return idle();
    }

    /**
     * {@link #warmUp()} on a daemon thread of its own ({@code smtp-pipelining-warm-up}), for an
     * application that should not wait for the mail server at startup; a failure is logged at WARN
     * (escaped, one line) and completes the future exceptionally; sends open connections as usual.
     *
     * @return completes with the idle connections, within the bound given at {@link #warmUp()}
     */
    public CompletableFuture<Integer> warmUpInBackground() {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                done.complete(warmUp());
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not open the " + settings.minIdle()
                        + " idle SMTP connections of pool.min-idle to " + connectionSettings.host() + ":"
                        + connectionSettings.port() + " (sends open their own): "
                        + Printable.of(String.valueOf(e.getMessage()), 300));
                done.completeExceptionally(e);
            }
        }, "smtp-pipelining-warm-up");
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** Closes every idle connection (after one was found dropped by the server, the others likely are too). */
    public void clearIdle() {
        pool.clear();
    }

    /** Connections lent out now. */
    public int active() {
        return pool.getNumActive();
    }

    /** Connections idle in the pool now. */
    public int idle() {
        return pool.getNumIdle();
    }

    /**
     * How many connections may be in use at once now: {@code max-connections} unless the server
     * refused for concurrency (see {@link PoolSettings#adaptiveConcurrency()}); between 1 and
     * {@code max-connections}. Changes are told to {@link SmtpListener#concurrencyLimitChanged}.
     */
    public int concurrencyLimit() {
        return limit.limit();
    }

    /** Threads waiting for a connection now (for a place under the concurrency limit, or for Commons Pool). */
    public int waiting() {
        return limit.waiting() + pool.getNumWaiters();
    }

    /** The settings. */
    public PoolSettings settings() {
        return settings;
    }

    /** How the pool opens connections. */
    public ConnectionSettings connectionSettings() {
        return connectionSettings;
    }

    /** How the pool's connections send (and the send rate limit they share). */
    public SendingOptions sendingOptions() {
        return sendingOptions;
    }

    /** For messages: {@code total=.., active=.., idle=.., waiting=..}. */
    public String stats() {
        int active = active();
        int idle = idle();
        return "total=" + (active + idle) + ", active=" + active + ", idle=" + idle + ", waiting=" + waiting();
    }

    /**
     * Drains the pool: waits up to {@code timeout} for borrowed connections to come back, then
     * aborts those still lent out (their sockets are closed at once, so a send in progress on one
     * ends within moments with its ledgers by the usual rules: UNKNOWN only where the end of data
     * may have been written), and closes every idle connection with QUIT: all QUITs are written
     * first, then their replies are read within one QUIT timeout in all (5 s, or the connection
     * settings' command timeout if shorter; RFC 5321 4.1.1.10), so closing takes about one round
     * trip whatever the number of connections. Connections returned later are closed on return.
     * Waits at most {@code timeout} plus one QUIT timeout.
     */
    public void close(Duration timeout) {
        factory.shuttingDown();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pool.getNumActive() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (SmtpConnection connection : lent) {
            connection.abort("the connection pool was closed");
        }
        factory.collectQuits();
        try {
            pool.close();
        } finally {
            factory.awaitQuits();
        }
    }

    /** {@link #close(Duration)} with 10 s. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    @Override
    public String toString() {
        return "SmtpConnectionPool[" + stats() + "]";
    }
}
