package io.github.pipeliningsmtp.autoconfigure.health;

import io.github.pipeliningsmtp.pacing.RateLimitStats;
import io.github.pipeliningsmtp.pacing.SendRateLimit;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.SmtpConnection;
import io.github.pipeliningsmtp.client.SmtpListener;
import io.github.pipeliningsmtp.client.TlsMode;
import io.github.pipeliningsmtp.protocol.Capabilities;
import io.github.pipeliningsmtp.protocol.Printable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Checks the SMTP server with a connection of its own (never one from the pool): greeting, EHLO,
 * STARTTLS as configured, QUIT; no AUTH, so no credential is used or shown. UP when PIPELINING is
 * advertised; when it is not, UP with {@code pipelining: false}, or OUT_OF_SERVICE if pipelining is
 * required; DOWN with the reason when the server cannot be reached, the greeting, EHLO or TLS fails,
 * or the whole check does not finish within its timeout.
 *
 * <p>Deadline: the whole check (connect, greeting, EHLO, STARTTLS and its handshake, the EHLO after
 * it) is bounded by {@code timeout} (default 3 s, {@code smtp.pipelining.health.timeout}), so a
 * readiness probe never waits for the sender's own timeouts (60 s for a greeting). The check runs on
 * a thread of its own; the caller waits at most {@code timeout}, then gets DOWN with
 * {@code error: "no answer within <n> ms"} and the check is interrupted (which aborts its socket
 * within 50 ms). Each step's own timeout is also cut to {@code timeout} plus 1 s, so a check that ignores the
 * interrupt ends by itself. Callers that arrive while a check runs wait for that same check (never
 * more than one connection at a time).
 *
 * <p>Details: {@code host}, {@code port}, {@code tlsMode} (the configured policy: none, starttls,
 * starttls-required, implicit), {@code encrypted} (whether the check's connection ended up under
 * TLS), {@code starttlsOffered} (only while the connection is not encrypted: whether the EHLO reply
 * offered STARTTLS; after a handshake the server's second EHLO does not offer it again, RFC 3207
 * §4.2, so it is left out then), {@code pipelining}, {@code chunking}, {@code 8bitmime},
 * {@code smtputf8}, {@code sizeLimit} (octets, when advertised), {@code authMechanisms}, and
 * {@code durationMs}. A result is reused for the cache time. With a send rate limit,
 * {@code rateLimit} says where its budget is now ({@code local}, {@code shared}, or {@code fallback}
 * while the shared store cannot be reached: the instance keeps to its share of the rate and still
 * sends, so the status stays that of the SMTP check) and {@code rateLimitStoreFailures} how many calls
 * to the store failed; both are read at each call, never cached. Thread-safe.
 */
public final class PipeliningSmtpHealthIndicator implements HealthIndicator {

    /** The default deadline of one whole check. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    /** How far past the deadline a step's own timeout may run: 1 s. */
    private static final Duration STEP_GRACE = Duration.ofSeconds(1);

    private final ConnectionSettings settings;
    private final boolean requirePipelining;
    private final Duration cacheTime;
    private final Duration timeout;
    private final Clock clock;
    private final SendRateLimit rateLimit;
    private volatile Cached cached;
    private CompletableFuture<Health> inFlight;

    private record Cached(Health health, Instant at) {
    }

    /** As {@link #PipeliningSmtpHealthIndicator(ConnectionSettings, boolean, Duration, Duration, Clock)} with a 3 s timeout. */
    public PipeliningSmtpHealthIndicator(ConnectionSettings settings, boolean requirePipelining, Duration cacheTime,
                                         Clock clock) {
        this(settings, requirePipelining, cacheTime, DEFAULT_TIMEOUT, clock, SendRateLimit.NONE);
    }

    /** As {@link #PipeliningSmtpHealthIndicator(ConnectionSettings, boolean, Duration, Duration, Clock, SendRateLimit)} with a 3 s timeout. */
    public PipeliningSmtpHealthIndicator(ConnectionSettings settings, boolean requirePipelining, Duration cacheTime,
                                         Clock clock, SendRateLimit rateLimit) {
        this(settings, requirePipelining, cacheTime, DEFAULT_TIMEOUT, clock, rateLimit);
    }

    /** As {@link #PipeliningSmtpHealthIndicator(ConnectionSettings, boolean, Duration, Duration, Clock, SendRateLimit)} without a rate limit. */
    public PipeliningSmtpHealthIndicator(ConnectionSettings settings, boolean requirePipelining, Duration cacheTime,
                                         Duration timeout, Clock clock) {
        this(settings, requirePipelining, cacheTime, timeout, clock, SendRateLimit.NONE);
    }

    /**
     * @param settings          how the sender connects; credentials are dropped, and the connect,
     *                          greeting and command timeouts are cut to {@code timeout} plus 1 s
     * @param requirePipelining OUT_OF_SERVICE instead of UP without PIPELINING
     * @param cacheTime         how long a result is reused
     * @param timeout           the longest one whole check may take (positive)
     * @param clock             the time source of the cache (tests move it)
     * @param rateLimit         the sender's send rate limit, whose state is a detail ({@link SendRateLimit#NONE} for none)
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public PipeliningSmtpHealthIndicator(ConnectionSettings settings, boolean requirePipelining, Duration cacheTime,
                                         Duration timeout, Clock clock, SendRateLimit rateLimit) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the health check timeout must be positive: " + timeout);
        }
        this.rateLimit = rateLimit;
        // the steps' own timeouts end a check that ignores the interrupt; a little after the
        // deadline, so that the deadline is what a caller sees when both would fire together
        Duration stepBound = timeout.plus(STEP_GRACE);
        this.settings = settings.toBuilder().credentials(null)
                .connectTimeout(min(settings.connectTimeout(), stepBound))
                .greetingTimeout(min(settings.greetingTimeout(), stepBound))
                .commandTimeout(min(settings.commandTimeout(), stepBound))
                .build();
        this.requirePipelining = requirePipelining;
        this.cacheTime = cacheTime;
        this.timeout = timeout;
        this.clock = clock;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public Health health(boolean includeDetails) {
        Cached c = cached;
        Instant now = clock.instant();
        if (c == null || !now.isBefore(c.at().plus(cacheTime))) {
            c = new Cached(checkWithinTimeout(), now);
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

    /**
     * The status of the last check, without checking (no I/O, never blocks); empty before the first
     * check. For a gauge, so that a metrics scrape never opens a connection.
     */
    public java.util.Optional<Status> lastStatus() {
        Cached c = cached;
        return c == null ? java.util.Optional.empty() : java.util.Optional.of(c.health().getStatus());
    }

    private Health checkWithinTimeout() {
        long start = System.nanoTime();
        CompletableFuture<Health> check = startOrJoin();
        try {
            return check.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            check.cancel(true);
            return details(Health.down().withDetail("error", "no answer within " + timeout.toMillis()
                    + " ms (connect, greeting, EHLO, STARTTLS)"), start).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return details(Health.down().withDetail("error", "the health check was interrupted"), start).build();
        } catch (ExecutionException e) {
            return details(Health.down().withDetail("error", describe(e.getCause())), start).build();
        }
    }

    /** The check in progress, or a new one on a thread of its own. */
    private synchronized CompletableFuture<Health> startOrJoin() {
        if (inFlight == null || inFlight.isDone()) {
            CompletableFuture<Health> future = new CompletableFuture<>();
            Thread worker = new Thread(() -> {
                try {
                    future.complete(check());
                } catch (Throwable t) {
                    future.completeExceptionally(t);
                }
            }, "smtp-pipelining-health");
            worker.setDaemon(true);
            // cancelling the future (timeout) interrupts the check, which aborts its socket
            future.whenComplete((h, t) -> {
                if (future.isCancelled()) {
                    worker.interrupt();
                }
            });
            inFlight = future;
            worker.start();
        }
        return inFlight;
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
                    .withDetail("authMechanisms", caps.authMechanisms())
                    .withDetail("encrypted", connection.isTls());
            if (!connection.isTls()) {
                builder.withDetail("starttlsOffered", caps.startTls());
            }
            if (caps.maxSize().isPresent()) {
                builder.withDetail("sizeLimit", caps.maxSize().getAsLong());
            }
        } catch (Exception e) {
            builder = Health.down().withDetail("error", describe(e));
        }
        return details(builder, start).build();
    }

    private Health.Builder details(Health.Builder builder, long startNanos) {
        return builder.withDetail("host", settings.host())
                .withDetail("port", settings.port())
                .withDetail("tlsMode", tlsMode(settings.tlsMode()))
                .withDetail("durationMs", (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** The property value of a TLS mode (smtp.pipelining.tls). */
    static String tlsMode(TlsMode mode) {
        return switch (mode) {
            case NONE -> "none";
            case STARTTLS_OPPORTUNISTIC -> "starttls";
            case STARTTLS_REQUIRED -> "starttls-required";
            case IMPLICIT -> "implicit";
        };
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + Printable.of(String.valueOf(e.getMessage()));
    }
}
