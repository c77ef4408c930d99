package io.github.pipeliningsmtp.pacing;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A PostgreSQL-like budget table in memory behind a small connection pool, enough for Bucket4j's
 * select-for-update client ({@code SELECT ... FOR UPDATE}, {@code INSERT ... ON CONFLICT DO NOTHING},
 * {@code UPDATE}), that can {@link #hang()}: from then on every statement on a connection taken
 * meanwhile blocks, deaf to interrupts, until that connection is aborted (a read on a dead server
 * with no socket timeout). {@link #answer()} makes connections taken afterwards answer again; the
 * hung ones stay hung. A connection goes back to the pool when it is closed, as in HikariCP; the
 * pool hands out at most {@code size} at once and waits at most 5 s for one.
 */
final class FakeBudgetStore {

    private final Semaphore pool;
    private final Map<String, byte[]> rows = new ConcurrentHashMap<>();
    private final AtomicInteger aborted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger statements = new AtomicInteger();
    private volatile boolean hanging;

    FakeBudgetStore(int size) {
        this.pool = new Semaphore(size);
    }

    void hang() {
        hanging = true;
    }

    void answer() {
        hanging = false;
    }

    /** Connections aborted so far. */
    int aborted() {
        return aborted.get();
    }

    /** Connections handed out and not closed. */
    int open() {
        return open.get();
    }

    /** Statements that answered. */
    int statementsAnswered() {
        return statements.get();
    }

    /** Rows of the budget table. */
    int rows() {
        return rows.size();
    }

    DataSource dataSource() {
        return proxy(DataSource.class, (method, args) -> switch (method) {
            case "getConnection" -> connection();
            default -> throw new UnsupportedOperationException(method);
        });
    }

    private Connection connection() throws SQLException {
        try {
            if (!pool.tryAcquire(5, TimeUnit.SECONDS)) {
                throw new SQLException("no connection within 5 s: the pool is exhausted");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a connection", e);
        }
        open.incrementAndGet();
        return new FakeConnection(hanging).proxy();
    }

    private final class FakeConnection {
        private final boolean hangs;
        private final CountDownLatch abortedLatch = new CountDownLatch(1);
        private boolean closed;

        FakeConnection(boolean hangs) {
            this.hangs = hangs;
        }

        Connection proxy() {
            return FakeBudgetStore.proxy(Connection.class, (method, args) -> switch (method) {
                case "setAutoCommit", "commit", "rollback" -> {
                    check();
                    yield null;
                }
                case "getAutoCommit" -> false;
                case "isClosed" -> closed;
                case "createStatement" -> statement(null);
                case "prepareStatement" -> statement((String) args[0]);
                case "abort" -> {
                    if (abortedLatch.getCount() > 0) {
                        aborted.incrementAndGet();
                        abortedLatch.countDown();
                    }
                    yield null;
                }
                case "close" -> {
                    close();
                    yield null;
                }
                default -> throw new UnsupportedOperationException(method);
            });
        }

        private synchronized void close() {
            if (!closed) {
                closed = true;
                open.decrementAndGet();
                pool.release();
            }
        }

        private void check() throws SQLException {
            if (abortedLatch.getCount() == 0) {
                throw new SQLException("This connection has been closed.", "08003");
            }
        }

        /** Blocks, deaf to interrupts, until aborted, when this connection hangs; then fails as a closed socket does. */
        private void execute() throws SQLException {
            check();
            if (hangs) {
                boolean interrupted = false;
                while (true) {
                    try {
                        abortedLatch.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
            }
            statements.incrementAndGet();
        }

        private Object statement(String sql) {
            Map<Integer, Object> params = new HashMap<>();
            Class<?> type = sql == null ? Statement.class : PreparedStatement.class;
            return FakeBudgetStore.proxy(type, (method, args) -> switch (method) {
                case "setQueryTimeout", "close" -> null;
                case "setString", "setBytes", "setObject", "setLong" -> {
                    params.put((Integer) args[0], args[1]);
                    yield null;
                }
                case "execute" -> {
                    execute();
                    yield false;
                }
                case "executeQuery" -> {
                    execute();
                    yield result(rows.get((String) params.get(1)));
                }
                case "executeUpdate" -> {
                    execute();
                    yield update(sql, params);
                }
                default -> throw new UnsupportedOperationException(method);
            });
        }

        private int update(String sql, Map<Integer, Object> params) {
            if (sql.startsWith("INSERT")) {
                return rows.putIfAbsent((String) params.get(1), new byte[0]) == null ? 1 : 0;
            }
            if (sql.startsWith("UPDATE")) {
                String key = (String) params.get(params.size());
                return rows.replace(key, (byte[]) params.get(1)) == null ? 0 : 1;
            }
            throw new UnsupportedOperationException(sql);
        }

        private ResultSet result(byte[] state) {
            boolean[] read = {false};
            return FakeBudgetStore.proxy(ResultSet.class, (method, args) -> switch (method) {
                case "next" -> {
                    boolean row = state != null && !read[0];
                    read[0] = true;
                    yield row;
                }
                case "getBytes" -> state.length == 0 ? null : state;
                case "close" -> null;
                default -> throw new UnsupportedOperationException(method);
            });
        }
    }

    @FunctionalInterface
    private interface Handler {
        Object call(String method, Object[] args) throws Exception;
    }

    private static <T> T proxy(Class<T> type, Handler handler) {
        return type.cast(Proxy.newProxyInstance(FakeBudgetStore.class.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> switch (method.getName()) {
                    case "toString" -> "Fake" + type.getSimpleName();
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> handler.call(method.getName(), args);
                }));
    }
}
