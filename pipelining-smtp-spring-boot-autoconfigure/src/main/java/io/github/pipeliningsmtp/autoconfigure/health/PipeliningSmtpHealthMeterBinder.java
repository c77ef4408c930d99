package io.github.pipeliningsmtp.autoconfigure.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Status;

/**
 * The gauge {@code smtp.pipelining.health}: 1 when the last health check was UP, 0 when it was DOWN
 * or OUT_OF_SERVICE, NaN before the first check. It reads the last result only (see
 * {@link PipeliningSmtpHealthIndicator#lastStatus()}): a scrape never opens a connection, so the
 * gauge moves when {@code /actuator/health} (a readiness probe, say) is called.
 */
public final class PipeliningSmtpHealthMeterBinder implements MeterBinder {

    private final Supplier<PipeliningSmtpHealthIndicator> indicator;

    /** @param indicator the indicator whose last result is shown; binds nothing when it gives null */
    public PipeliningSmtpHealthMeterBinder(Supplier<PipeliningSmtpHealthIndicator> indicator) {
        this.indicator = indicator;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        PipeliningSmtpHealthIndicator health = indicator.get();
        if (health == null) {
            return;
        }
        Gauge.builder("smtp.pipelining.health", health, i -> i.lastStatus()
                        .map(s -> Status.UP.equals(s) ? 1.0 : 0.0).orElse(Double.NaN))
                .description("1 when the last SMTP health check was UP, 0 when it was not").register(registry);
    }
}
