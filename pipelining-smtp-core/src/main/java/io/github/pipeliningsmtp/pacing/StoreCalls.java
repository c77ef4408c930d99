package io.github.pipeliningsmtp.pacing;

import java.lang.System.Logger.Level;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The calls of a shared rate limit to its store, each on a thread of its own with a deadline, and
 * the JDBC connections each call holds. A call that gives no answer by its deadline is
 * <b>abandoned</b>: its thread is interrupted and every connection it holds is aborted
 * ({@link Connection#abort}, which closes the socket at once), and a connection it is handed later
 * is aborted as soon as it arrives. So a call stuck on a dead server (a read that never returns on a
 * driver without a socket timeout, the default of the PostgreSQL driver) neither keeps its
 * connection out of the application's pool for good, nor leaves its transaction, and the
 * {@code SELECT ... FOR UPDATE} lock on the budget's row, open on a server that can still see the
 * socket close; and it cannot take budget from the store after the instance counted it from its own
 * share. Without this, a few hung calls fill a small pool, and the tries after the server is back
 * wait for a connection until they time out in turn: the instance never returns to the shared budget.
 *
 * <p>Thread-safe. {@link #close()} interrupts the calls in progress and refuses new ones.
 */
final class StoreCalls implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(StoreCalls.class.getName());
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final DataSource target;
    private final DataSource tracked;
    private final ThreadLocal<Call> current = new ThreadLocal<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "smtp-pipelining-rate-store-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** @param target the application's DataSource */
    StoreCalls(DataSource target) {
        this.target = target;
        this.tracked = (DataSource) Proxy.newProxyInstance(StoreCalls.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, this::dataSourceCall);
    }

    /** The DataSource to give the store's client: the application's, with each connection tracked by the call that took it. */
    DataSource dataSource() {
        return tracked;
    }

    /**
     * Runs {@code body} on a store thread and waits for it at most {@code timeout}.
     *
     * @throws StoreUnavailableException when it failed, or gave no answer within {@code timeout} (then it was abandoned)
     * @throws InterruptedException      when the caller was interrupted (the call is abandoned too)
     */
    long call(Callable<Long> body, Duration timeout) throws StoreUnavailableException, InterruptedException {
        Call call = new Call();
        Future<Long> future;
        try {
            future = threads.submit(() -> {
                current.set(call);
                try {
                    return body.call();
                } finally {
                    current.remove();
                }
            });
        } catch (RejectedExecutionException closed) {
            throw new StoreUnavailableException("the rate limit is closed", closed);
        }
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            int aborted = call.abandon();
            throw new StoreUnavailableException("no answer within " + timeout.toMillis() + " ms (the call was abandoned, "
                    + aborted + " connection(s) aborted)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new StoreUnavailableException(String.valueOf(cause), cause);
        } catch (InterruptedException e) {
            future.cancel(true);
            call.abandon();
            throw e;
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }

    private Object dataSourceCall(Object proxy, Method method, Object[] args) throws Throwable {
        Object result = invoke(target, method, args);
        if (!(result instanceof Connection connection)) {
            return result;
        }
        Call call = current.get();
        if (call == null) {
            return connection;
        }
        if (!call.opened(connection)) {
            abort(connection);
            close(connection);
            throw new SQLException("the store call was abandoned before it got its connection");
        }
        return Proxy.newProxyInstance(StoreCalls.class.getClassLoader(), new Class<?>[] {Connection.class},
                new Tracked(connection, call));
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * Aborts a connection (the driver closes its socket; the thread that uses it gets an error and
     * closes it, which gives it back to a pool); never throws.
     */
    private static void abort(Connection connection) {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not abort a connection of an abandoned store call: {0}", e.toString());
        }
    }

    /** Closes a connection this thread holds; never throws. */
    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not close a connection of an abandoned store call: {0}", e.toString());
        }
    }

    /** One call's connections: open ones until it closes them, or all of them aborted once it is abandoned. */
    private static final class Call {
        private final List<Connection> open = new ArrayList<>();
        private boolean abandoned;

        /** Records a connection handed to the call; false when the call was abandoned already. */
        synchronized boolean opened(Connection c) {
            if (abandoned) {
                return false;
            }
            open.add(c);
            return true;
        }

        synchronized void closed(Connection c) {
            open.remove(c);
        }

        /** Marks the call abandoned and aborts the connections it still holds; how many. */
        int abandon() {
            List<Connection> toAbort;
            synchronized (this) {
                abandoned = true;
                toAbort = new ArrayList<>(open);
                open.clear();
            }
            toAbort.forEach(StoreCalls::abort);
            return toAbort.size();
        }
    }

    /** Forwards to the connection; its close also ends its record in the call. */
    private record Tracked(Connection connection, Call call) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("close") && method.getParameterCount() == 0) {
                call.closed(connection);
            }
            return StoreCalls.invoke(connection, method, args);
        }
    }

    /** A call to the store failed or timed out. */
    static final class StoreUnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        StoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
