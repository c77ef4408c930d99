package io.github.pipeliningsmtp.autoconfigure.metrics;

import io.github.pipeliningsmtp.pacing.SendRateLimit;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import io.github.pipeliningsmtp.sender.SendObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters for the sender's ledgers, replies, round trips and pool (Micrometer is
 * optional), and an {@link Observation} named {@code smtp.pipelining.batch} (not the timer's name, so the two never clash) around each batch when
 * the application has an {@link ObservationRegistry}, so tracing sees sends.
 */
@AutoConfiguration(after = PipeliningSmtpAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(PipelinedMailSender.class)
public final class PipeliningSmtpMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PipeliningSmtpMetrics pipeliningSmtpMetrics(Map<String, PipelinedMailSender> senders,
                                                ObjectProvider<ObservationRegistry> observations) {
        ObservationRegistry registry = observations.getIfAvailable();
        if (registry != null) {
            senders.forEach((name, sender) -> sender.events().observer(new SendObserver() {
                @Override
                public <T> T observe(int messages, Supplier<T> send) {
                    return Observation.createNotStarted("smtp.pipelining.batch", registry)
                            .lowCardinalityKeyValue("name", name)
                            .highCardinalityKeyValue("messages", Integer.toString(messages))
                            .observe(send);
                }
            }));
        }
        return new PipeliningSmtpMetrics(senders);
    }

    /** The send rate limit's meters (waiting, refusals, where the budget is kept). */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(SendRateLimit.class)
    RateLimitMeters smtpPipeliningRateLimitMeters(Map<String, SendRateLimit> limits) {
        return new RateLimitMeters(limits);
    }
}
