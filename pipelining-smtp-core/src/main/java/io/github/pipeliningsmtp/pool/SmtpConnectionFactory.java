package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.RetireReason;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.DestroyMode;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;

/** Opens, validates and closes pooled connections for Commons Pool 2. */
final class SmtpConnectionFactory extends BasePooledObjectFactory<SmtpConnection> {

    private final ConnectionSettings connectionSettings;
    private final SendingOptions sendingOptions;
    private final PoolSettings poolSettings;
    private final SmtpListener listener;
    private volatile boolean shuttingDown;
    /** While the pool closes: connections whose QUIT was written and whose reply is still to be read. */
    private List<SmtpConnection> quitting;

    SmtpConnectionFactory(ConnectionSettings connectionSettings, SendingOptions sendingOptions,
                          PoolSettings poolSettings, SmtpListener listener) {
        this.connectionSettings = connectionSettings;
        this.sendingOptions = sendingOptions;
        this.poolSettings = poolSettings;
        this.listener = listener;
    }

    void shuttingDown() {
        shuttingDown = true;
    }

    /**
     * From now until {@link #awaitQuits}, a destroyed connection only has its QUIT written; its
     * reply is read by {@link #awaitQuits}, so that all idle connections are QUIT at once.
     */
    synchronized void collectQuits() {
        quitting = new ArrayList<>();
    }

    /**
     * Reads the replies to the QUITs written since {@link #collectQuits}, all within one QUIT
     * timeout counted from now (they were written together, so the replies arrive together), and
     * closes those sockets; later destroyed connections are closed one by one again.
     */
    void awaitQuits() {
        List<SmtpConnection> pending;
        synchronized (this) {
            pending = quitting;
            quitting = null;
        }
        if (pending == null || pending.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + pending.get(0).quitTimeout().toNanos();
        for (SmtpConnection connection : pending) {
            connection.finishQuit(deadline);
        }
    }

    private synchronized boolean deferQuit(SmtpConnection connection) {
        if (quitting == null) {
            return false;
        }
        if (connection.beginQuit()) {
            quitting.add(connection);
        }
        return true;
    }

    @Override
    public SmtpConnection create() throws Exception {
        SmtpConnection connection = SmtpConnection.open(connectionSettings, sendingOptions, listener);
        listener.connectionOpened();
        return connection;
    }

    @Override
    public PooledObject<SmtpConnection> wrap(SmtpConnection connection) {
        return new DefaultPooledObject<>(connection);
    }

    /** Valid when READY, within its limits and not stale. */
    @Override
    public boolean validateObject(PooledObject<SmtpConnection> p) {
        return retireReason(p.getObject()) == null;
    }

    @Override
    public void destroyObject(PooledObject<SmtpConnection> p, DestroyMode mode) {
        SmtpConnection connection = p.getObject();
        RetireReason reason = retireReason(connection);
        if (!deferQuit(connection)) {
            connection.close();
        }
        listener.connectionRetired(shuttingDown ? RetireReason.SHUTDOWN : reason != null ? reason : RetireReason.IDLE);
    }

    /** Why the connection must not be lent again, or null if it may. */
    RetireReason retireReason(SmtpConnection c) {
        if (c.state() != SmtpConnection.State.READY) {
            return RetireReason.BROKEN;
        }
        int maxMessages = poolSettings.maxMessagesPerConnection();
        if (maxMessages > 0 && c.messagesSent() >= maxMessages) {
            return RetireReason.MAX_MESSAGES;
        }
        if (c.remainingTransactions() == 0) {
            return RetireReason.MAIL_MAX;
        }
        Duration maxAge = poolSettings.maxConnectionAge();
        if (!maxAge.isZero() && c.age().compareTo(maxAge) >= 0) {
            return RetireReason.MAX_AGE;
        }
        return c.isStale() ? RetireReason.STALE : null;
    }
}
