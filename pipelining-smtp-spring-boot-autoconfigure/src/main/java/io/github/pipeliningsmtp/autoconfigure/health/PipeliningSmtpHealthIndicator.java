package io.github.pipeliningsmtp.autoconfigure.health;

import io.github.pipeliningsmtp.pacing.RateLimitStats;
import io.github.pipeliningsmtp.pacing.SendRateLimit;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.protocol.Capabilities;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Checks the SMTP server with a connection of its own (never one from the pool): greeting, EHLO,
 * STARTTLS as configured, QUIT; no AUTH, so no credential is used or shown. UP when PIPELINING is
 * advertised; when it is not, UP with {@code pipelining: false}, or OUT_OF_SERVICE if pipelining is
 * required; DOWN with the reason when the server cannot be reached or the greeting, EHLO or TLS
 * fails. Details: host, port, pipelining, chunking, size, 8bitmime, smtputf8, starttls, auth
 * mechanisms, tls and the check's duration in ms. A result is reused for the cache time. With a
 * send rate limit, {@code rateLimit} says where its budget is now ({@code local}, {@code shared}, or
 * {@code fallback} while the shared store cannot be reached: the instance keeps to its share of the
 * rate and still sends, so the status stays that of the SMTP check) and {@code rateLimitStoreFailures}
 * how many calls to the store failed; both are read at each call, never cached.
 * Thread-safe.
 */
public final class PipeliningSmtpHealthIndicator implements HealthIndicator {

    private final ConnectionSettings settings;
    private final boolean requirePipelining;
    private final Duration cacheTime;
    private final Clock clock;
    private final SendRateLimit rateLimit;
    private volatile Cached cached;

    private record Cached(Health health, Instant at) {
    }

    /**
     * @param settings          how the sender connects; credentials are dropped
     * @param requirePipelining OUT_OF_SERVICE instead of UP without PIPELINING
     * @param cacheTime         how long a result is reused
     * @param clock             the time source (tests move it)
     */
    public PipeliningSmtpHealthIndicator(ConnectionSettings settings, boolean requirePipelining, Duration cacheTime,
                                         Clock clock) {
        this(settings, requirePipelining, cacheTime, clock, SendRateLimit.NONE);
    }

    /** As above, with the sender's rate limit, whose state is a detail. */
    public PipeliningSmtpHealthIndicator(ConnectionSettings settings, boolean requirePipelining, Duration cacheTime,
                                         Clock clock, SendRateLimit rateLimit) {
        this.rateLimit = rateLimit;
        this.settings = settings.toBuilder().credentials(null).build();
        this.requirePipelining = requirePipelining;
        this.cacheTime = cacheTime;
        this.clock = clock;
    }

    @Override
    public Health health(boolean includeDetails) {
        Cached c = cached;
        Instant now = clock.instant();
        if (c == null || !now.isBefore(c.at().plus(cacheTime))) {
            c = new Cached(check(), now);
            cached = c;
        }
        if (!includeDetails) {
            return Health.status(c.health().getStatus()).build();
        }
        if (rateLimit == SendRateLimit.NONE) {
            return c.health();
        }
        RateLimitStats stats = rateLimit.stats();
        return Health.status(c.health().getStatus()).withDetails(c.health().getDetails())
                .withDetail("rateLimit", stats.store().name().toLowerCase(java.util.Locale.ROOT))
                .withDetail("rateLimitStoreFailures", stats.storeFailures()).build();
    }

    @Override
    public Health health() {
        return health(true);
    }

    private Health check() {
        long start = System.nanoTime();
        Health.Builder builder;
        // a listener of its own that counts nothing: health probes must not move the sender's meters
        try (SmtpConnection connection = SmtpConnection.open(settings, SendingOptions.DEFAULTS, SmtpListener.NONE)) {
            Capabilities caps = connection.capabilities();
            boolean pipelining = caps.pipelining();
            builder = pipelining || !requirePipelining ? Health.up() : Health.status(Status.OUT_OF_SERVICE);
            builder.withDetail("pipelining", pipelining)
                    .withDetail("chunking", caps.chunking())
                    .withDetail("8bitmime", caps.eightBitMime())
                    .withDetail("smtputf8", caps.smtpUtf8())
                    .withDetail("starttls", caps.startTls())
                    .withDetail("authMechanisms", caps.authMechanisms())
                    .withDetail("tls", connection.isTls());
            if (caps.maxSize().isPresent()) {
                builder.withDetail("sizeLimit", caps.maxSize().getAsLong());
            }
        } catch (Exception e) {
            builder = Health.down().withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return builder.withDetail("host", settings.host())
                .withDetail("port", settings.port())
                .withDetail("durationMs", (System.nanoTime() - start) / 1_000_000)
                .build();
    }
}
