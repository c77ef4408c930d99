package io.github.pipeliningsmtp.sender;

import io.github.pipeliningsmtp.client.SendReport;
import io.github.pipeliningsmtp.client.SmtpEventListener;
import io.github.pipeliningsmtp.pool.PoolListener;
import java.time.Duration;

/**
 * Everything a sender reports, for metrics: replies and round trips of its connections, the pool's
 * connections opened and retired, and each batch's report. Called from many threads at once:
 * implementations must be thread-safe, fast and must not throw.
 */
public interface SenderListener extends SmtpEventListener, PoolListener {

    /** A batch ended (every recipient of every message is SUCCEEDED, FAILED or UNKNOWN). */
    default void batchCompleted(SendReport report, Duration elapsed) {
    }
}
