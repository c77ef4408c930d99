package io.github.pipeliningsmtp.autoconfigure.metrics;

import io.github.pipeliningsmtp.pacing.RateLimitStats;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.pacing.StoreState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The send rate limit's meters, tagged {@code name=<bean name>}, read from
 * {@link SendRateLimit#stats()} when the registry polls:
 * <ul>
 *   <li>{@code smtp.pipelining.rate.wait} (function timer): transactions that waited for their
 *       budget, and the time they spent waiting;</li>
 *   <li>{@code smtp.pipelining.rate.admitted} and {@code smtp.pipelining.rate.refused} (counters):
 *       transactions given their budget, and those not sent because their wait would pass
 *       {@code rate.max-wait};</li>
 *   <li>{@code smtp.pipelining.rate.store{state=local|shared|fallback}} (gauges): 1 for where the
 *       budget is kept now, 0 for the others;</li>
 *   <li>{@code smtp.pipelining.rate.store.failures} (counter): calls to the shared store that failed
 *       or timed out;</li>
 *   <li>{@code smtp.pipelining.rate.pace} (gauge): the fraction of the configured rates kept to now,
 *       1 unless the relay refused for its rate, and {@code smtp.pipelining.rate.pace.decreases}
 *       (counter): times it was lowered ({@link io.github.pipeliningsmtp.pacing.RateBackOff}).</li>
 * </ul>
 */
public final class RateLimitMeters implements MeterBinder {

    private final Map<String, SendRateLimit> limits;

    /** @param limits the rate limits by bean name */
    public RateLimitMeters(Map<String, SendRateLimit> limits) {
        this.limits = Map.copyOf(limits);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        limits.forEach((name, limit) -> {
            FunctionTimer.builder("smtp.pipelining.rate.wait", limit, l -> l.stats().waited(),
                            l -> l.stats().totalWait().toNanos(), TimeUnit.NANOSECONDS)
                    .description("transactions that waited for the send rate limit, and how long").tag("name", name)
                    .register(registry);
            FunctionCounter.builder("smtp.pipelining.rate.admitted", limit, l -> l.stats().admitted())
                    .description("transactions given their budget by the send rate limit").tag("name", name)
                    .register(registry);
            FunctionCounter.builder("smtp.pipelining.rate.refused", limit, l -> l.stats().refused())
                    .description("transactions not sent: their wait for the send rate limit would pass rate.max-wait")
                    .tag("name", name).register(registry);
            FunctionCounter.builder("smtp.pipelining.rate.store.failures", limit, l -> l.stats().storeFailures())
                    .description("calls to the shared rate limit store that failed or timed out").tag("name", name)
                    .register(registry);
            Gauge.builder("smtp.pipelining.rate.pace", limit, l -> l.stats().pace())
                    .description("the fraction of the configured rates the send rate limit keeps to now (1 unless the"
                            + " relay refused for its rate)").tag("name", name).register(registry);
            FunctionCounter.builder("smtp.pipelining.rate.pace.decreases", limit, l -> l.stats().paceDecreases())
                    .description("times the send rate limit lowered its pace after the relay's rate refusals (once"
                            + " per burst)").tag("name", name).register(registry);
            for (StoreState state : StoreState.values()) {
                Gauge.builder("smtp.pipelining.rate.store", limit, l -> storeIs(l.stats(), state))
                        .description("1 where the send rate limit keeps its budget now, 0 elsewhere")
                        .tag("name", name).tag("state", state.name().toLowerCase(Locale.ROOT)).register(registry);
            }
        });
    }

    private static double storeIs(RateLimitStats stats, StoreState state) {
        return stats.store() == state ? 1 : 0;
    }
}
