package io.github.pipeliningsmtp.pacing;

import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.pipeliningsmtp.pacing.StoreCalls.StoreUnavailableException;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A rate limit whose budget several instances of an application share, kept by Bucket4j in
 * PostgreSQL through JDBC ({@code SELECT ... FOR UPDATE} on one row per bucket): the rates hold for
 * all instances together. Needs {@code com.bucket4j:bucket4j_jdk17-postgresql} and a PostgreSQL JDBC
 * driver on the class path. The table is created if missing:
 * {@code CREATE TABLE IF NOT EXISTS <table> (id VARCHAR(255) PRIMARY KEY, state BYTEA, expires_at BIGINT)}.
 * A budget is named by its key and its rates ({@code <key>:messages:20/s,0/min}), so instances
 * that set other rates never share a row by mistake. Bucket4j times the budget with each
 * instance's wall clock: keep the instances' clocks in step (NTP).
 *
 * <p><b>When the store cannot be reached</b> (a call fails, or gives no answer within
 * {@link Options#storeTimeout()}, 2 s by default), the instance neither stops sending nor takes the
 * whole rate: it keeps to its own share, the rates divided by {@link Options#expectedInstances()}, in
 * memory ({@link StoreState#FALLBACK}), and tries the store again with the first transaction that
 * starts {@link Options#retryInterval()} (10 s by default) or more after the last try ended; when
 * the store answers, it draws on the shared budget again ({@link StoreState#SHARED}). Each change is
 * logged once, at WARNING. With every instance in fallback, together they keep to the rate, provided
 * no more instances run than expected; one instance never exceeds the whole rate.
 *
 * <p><b>A call without an answer is abandoned</b>, not left running: its thread is interrupted and
 * the JDBC connections it holds are aborted ({@link java.sql.Connection#abort}), so a call hung on a
 * dead server (the PostgreSQL driver's socket timeout is unlimited by default) gives its connection
 * back to the application's pool and its transaction, with the row lock, ends as soon as the server
 * sees the socket close. Hence, once the server answers again, an instance that keeps sending is
 * back on the shared budget within {@code retryInterval + 2 * storeTimeout} (a try begun while the
 * server was still away ends within {@code storeTimeout}; the next one starts
 * {@code retryInterval} later and answers within {@code storeTimeout}), plus the wait for its next
 * transaction, whatever the calls hung before; 14 s with the defaults. That bound takes a
 * DataSource that, once the server answers, hands out a working connection within
 * {@code storeTimeout}: a pool that checks the connections it hands out (as HikariCP, Spring Boot's
 * default, does) and a driver connect timeout shorter than {@code storeTimeout}.
 *
 * <p>Thread-safe; one per sender. {@link #close()} stops the threads that call the store.
 */
public final class SharedSendRateLimit extends PacedLimit implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SharedSendRateLimit.class.getName());
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    /**
     * How the budget is shared.
     *
     * @param key               names the budget: instances with the same key (and rates) share it
     * @param expectedInstances how many instances share it; each keeps to 1/n of the rates while the store is out of reach
     * @param retryInterval     how often an instance in fallback tries the store again, positive
     * @param storeTimeout      longest wait for one call to the store, positive
     * @param table             the table of the budgets (a plain SQL name, optionally schema-qualified)
     */
    public record Options(String key, int expectedInstances, Duration retryInterval, Duration storeTimeout,
                          String table) {

        /** Default instances expected: 2. */
        public static final int DEFAULT_EXPECTED_INSTANCES = 2;
        /** Default interval between tries of an unreachable store: 10 s. */
        public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(10);
        /** Default longest wait for one call to the store: 2 s. */
        public static final Duration DEFAULT_STORE_TIMEOUT = Duration.ofSeconds(2);
        /** Default table: {@code smtp_pipelining_rate_limit}. */
        public static final String DEFAULT_TABLE = "smtp_pipelining_rate_limit";

        /** @throws IllegalArgumentException for a blank key, fewer than 1 instance, a duration not positive or a table name that is not a plain SQL name */
        public Options {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("the shared budget needs a key");
            }
            if (expectedInstances < 1) {
                throw new IllegalArgumentException("expectedInstances must be at least 1, was " + expectedInstances);
            }
            positive("retryInterval", retryInterval);
            positive("storeTimeout", storeTimeout);
            if (table == null || !TABLE.matcher(table).matches()) {
                throw new IllegalArgumentException("table must be a plain SQL name such as " + DEFAULT_TABLE + ", was "
                        + table);
            }
        }

        /** With the key and every other option at its default. */
        public static Options of(String key) {
            return new Options(key, DEFAULT_EXPECTED_INSTANCES, DEFAULT_RETRY_INTERVAL, DEFAULT_STORE_TIMEOUT,
                    DEFAULT_TABLE);
        }

        private static void positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
        }
    }

    private final Options options;
    private final TokenBuckets shared;
    private final TokenBuckets fallback;
    private final StoreCalls storeCalls;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private StoreState state = StoreState.SHARED;
    /** Guarded by {@link #lock}: when an instance in fallback tries the store next (System.nanoTime). */
    private long retryAtNanos;
    private long storeFailures;
    private volatile boolean tableReady;

    /**
     * @param limits     the rates, for all instances together
     * @param dataSource the PostgreSQL database the instances share
     * @param options    key, instances, retry interval, store timeout, table
     * @throws IllegalArgumentException when {@code limits} sets no rate
     */
    public SharedSendRateLimit(RateLimits limits, DataSource dataSource, Options options) {
        this(limits, dataSource, options, RateBackOff.DEFAULT, SLEEP);
    }

    /**
     * @param limits     the rates, for all instances together
     * @param dataSource the PostgreSQL database the instances share
     * @param options    key, instances, retry interval, store timeout, table
     * @param backOff    how this instance's pace follows the relay's rate refusals ({@link RateBackOff#OFF}
     *                   keeps to the rates); the shared budget itself is never lowered
     * @throws IllegalArgumentException when {@code limits} sets no rate
     */
    public SharedSendRateLimit(RateLimits limits, DataSource dataSource, Options options, RateBackOff backOff) {
        this(limits, dataSource, options, backOff, SLEEP);
    }

    SharedSendRateLimit(RateLimits limits, DataSource dataSource, Options options, Sleeper sleeper) {
        this(limits, dataSource, options, RateBackOff.DEFAULT, sleeper);
    }

    private SharedSendRateLimit(RateLimits limits, DataSource dataSource, Options options, RateBackOff backOff,
                                Sleeper sleeper) {
        super(limits, 1, backOff, TimeMeter.SYSTEM_NANOTIME, sleeper);
        this.options = options;
        this.storeCalls = new StoreCalls(Objects.requireNonNull(dataSource, "dataSource"));
        ProxyManager<String> store = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(storeCalls.dataSource())
                .primaryKeyMapper(PrimaryKeyMapper.STRING).table(options.table()).build();
        this.shared = TokenBuckets.of(limits, 1, (kind, configuration) -> store.builder()
                .build(options.key() + ":" + kind + ":" + rates(limits, kind), () -> configuration));
        this.fallback = TokenBuckets.of(limits, options.expectedInstances(), TokenBuckets.local(TimeMeter.SYSTEM_NANOTIME));
    }

    private static String rates(RateLimits l, String kind) {
        return kind.equals("messages") ? l.messagesPerSecond() + "/s," + l.messagesPerMinute() + "/min"
                : l.recipientsPerSecond() + "/s," + l.recipientsPerMinute() + "/min";
    }

    /** The sharing options. */
    public Options options() {
        return options;
    }

    @Override
    long reserve(int messages, int recipients, long maxWaitNanos) throws InterruptedException {
        if (!storeDue()) {
            return fallback.reserve(messages, recipients, maxWaitNanos);
        }
        long due;
        try {
            due = callStore(() -> {
                ensureTable();
                return shared.reserve(messages, recipients, maxWaitNanos);
            });
        } catch (StoreUnavailableException e) {
            storeFailed(e);
            return fallback.reserve(messages, recipients, maxWaitNanos);
        }
        storeAnswered();
        return due;
    }

    /** Whether this call goes to the store: always when shared; in fallback, one call per retry interval. */
    private boolean storeDue() {
        synchronized (lock) {
            if (state == StoreState.SHARED) {
                return true;
            }
            long now = System.nanoTime();
            if (now - retryAtNanos < 0) {
                return false;
            }
            retryAtNanos = now + options.retryInterval().toNanos();
            return true;
        }
    }

    private void storeFailed(StoreUnavailableException e) {
        synchronized (lock) {
            storeFailures++;
            retryAtNanos = System.nanoTime() + options.retryInterval().toNanos();
            if (state == StoreState.FALLBACK) {
                return;
            }
            state = StoreState.FALLBACK;
        }
        LOG.log(Level.WARNING, "the shared send rate limit''s store cannot be reached ({0}): keeping to 1/{1} of {2} "
                + "in this instance until it answers; trying it again every {3} ms", e.getMessage(),
                Integer.toString(options.expectedInstances()), limits(),
                Long.toString(options.retryInterval().toMillis()));
    }

    private void storeAnswered() {
        synchronized (lock) {
            if (state == StoreState.SHARED) {
                return;
            }
            state = StoreState.SHARED;
        }
        LOG.log(Level.WARNING, "the shared send rate limit''s store answers again: back to the budget shared by every "
                + "instance ({0}, key {1})", limits(), options.key());
    }

    private long callStore(Callable<Long> call) throws StoreUnavailableException, InterruptedException {
        return storeCalls.call(call, options.storeTimeout());
    }

    private void ensureTable() throws SQLException {
        if (tableReady) {
            return;
        }
        try (Connection c = storeCalls.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + options.table()
                    + " (id VARCHAR(255) PRIMARY KEY, state BYTEA, expires_at BIGINT)");
        }
        tableReady = true;
    }

    @Override
    StoreState store() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    long storeFailures() {
        synchronized (lock) {
            return storeFailures;
        }
    }

    @Override
    public int burst() {
        return shared.burst();
    }

    /** Stops the threads that call the store; a call in progress is interrupted. */
    @Override
    public void close() {
        storeCalls.close();
    }

    @Override
    public String toString() {
        return "SharedSendRateLimit[" + limits() + ", key=" + options.key() + ", " + store() + "]";
    }
}
