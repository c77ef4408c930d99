package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.SmtpConnection;
import java.time.Duration;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.DestroyMode;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;

/** Opens, validates and closes pooled connections for Commons Pool 2. */
final class SmtpConnectionFactory extends BasePooledObjectFactory<SmtpConnection> {

    private final ConnectionSettings connectionSettings;
    private final PoolSettings poolSettings;
    private final PoolListener listener;
    private volatile boolean shuttingDown;

    SmtpConnectionFactory(ConnectionSettings connectionSettings, PoolSettings poolSettings, PoolListener listener) {
        this.connectionSettings = connectionSettings;
        this.poolSettings = poolSettings;
        this.listener = listener;
    }

    void shuttingDown() {
        shuttingDown = true;
    }

    @Override
    public SmtpConnection create() throws Exception {
        SmtpConnection connection = SmtpConnection.open(connectionSettings);
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
        String reason = retireReason(connection);
        connection.close();
        listener.connectionRetired(shuttingDown ? "shutdown" : reason != null ? reason : "idle");
    }

    /** Why the connection must not be lent again, or null if it may. */
    String retireReason(SmtpConnection c) {
        if (c.state() != SmtpConnection.State.READY) {
            return "broken";
        }
        int maxMessages = poolSettings.maxMessagesPerConnection();
        if (maxMessages > 0 && c.messagesSent() >= maxMessages) {
            return "max-messages";
        }
        if (c.remainingTransactions() == 0) {
            return "mail-max";
        }
        Duration maxAge = poolSettings.maxConnectionAge();
        if (!maxAge.isZero() && c.age().compareTo(maxAge) >= 0) {
            return "max-age";
        }
        return c.isStale() ? "stale" : null;
    }
}
