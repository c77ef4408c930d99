package io.github.pipeliningsmtp.autoconfigure.metrics;

import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;

/**
 * Binds the meters of every {@link PipelinedMailSender} bean to a registry (see {@link SenderMeters}
 * and {@link PacingMeters} for the names); each sender then reports to them. Bound by Spring Boot when Micrometer is set up.
 */
public final class PipeliningSmtpMetrics implements MeterBinder {

    private final Map<String, PipelinedMailSender> senders;

    /** @param senders the senders by bean name (the {@code name} tag) */
    public PipeliningSmtpMetrics(Map<String, PipelinedMailSender> senders) {
        this.senders = Map.copyOf(senders);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        senders.forEach((name, sender) -> sender.events().add(new SenderMeters(registry, name, sender)));
        senders.forEach((name, sender) -> sender.events().add(new PacingMeters(registry, name, sender)));
    }
}
