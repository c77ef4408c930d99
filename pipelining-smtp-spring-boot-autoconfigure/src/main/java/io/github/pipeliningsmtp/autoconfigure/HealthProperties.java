package io.github.pipeliningsmtp.autoconfigure;

import java.time.Duration;

/**
 * Settings of the health indicator, bound from {@code smtp.pipelining.health.*}
 * (management.health.smtp-pipelining.enabled switches it off).
 */
public class HealthProperties {

    /** Report OUT_OF_SERVICE instead of UP when the server does not advertise PIPELINING. */
    private boolean requirePipelining;

    /** How long a check's result is reused, so frequent probes do not open a connection each. */
    private Duration cacheTime = Duration.ofSeconds(30);

    /**
     * Longest one whole check may take (connect, greeting, EHLO, STARTTLS); past it the component
     * is DOWN, so a readiness probe never waits for the sender's own timeouts.
     */
    private Duration timeout = Duration.ofSeconds(3);

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public boolean isRequirePipelining() {
        return requirePipelining;
    }

    public void setRequirePipelining(boolean requirePipelining) {
        this.requirePipelining = requirePipelining;
    }

    public Duration getCacheTime() {
        return cacheTime;
    }

    public void setCacheTime(Duration cacheTime) {
        this.cacheTime = cacheTime;
    }
}
