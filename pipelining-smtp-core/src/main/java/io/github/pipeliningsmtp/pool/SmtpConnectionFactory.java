package io.github.pipeliningsmtp.pool;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.RetireReason;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpListener;
import java.time.Duration;
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
        connection.close();
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
