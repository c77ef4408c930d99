package io.github.pipeliningsmtp.autoconfigure.health;

import io.github.pipeliningsmtp.autoconfigure.HealthProperties;
import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpProperties;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code smtpPipelining} health indicator, when Spring Boot's health support is on the class
 * path and {@code management.health.smtp-pipelining.enabled} is not false.
 */
@AutoConfiguration(after = PipeliningSmtpAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(PipelinedMailSender.class)
@ConditionalOnEnabledHealthIndicator("smtp-pipelining")
public final class PipeliningSmtpHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "smtpPipeliningHealthIndicator")
    PipeliningSmtpHealthIndicator smtpPipeliningHealthIndicator(PipelinedMailSender sender,
                                                                PipeliningSmtpProperties properties,
                                                                ObjectProvider<SendRateLimit> rateLimit) {
        HealthProperties health = properties.getHealth();
        try {
            return new PipeliningSmtpHealthIndicator(sender.pool().connectionSettings(), health.isRequirePipelining(),
                    health.getCacheTime(), health.getTimeout(), Clock.systemUTC(),
                    rateLimit.getIfUnique(() -> SendRateLimit.NONE));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException("smtp.pipelining.health.timeout", health.getTimeout(),
                    e.getMessage());
        }
    }

    /** The health gauge, when Micrometer is on the class path. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static final class HealthMeterConfiguration {

        @Bean
        @ConditionalOnMissingBean
        PipeliningSmtpHealthMeterBinder pipeliningSmtpHealthMeterBinder(
                ObjectProvider<PipeliningSmtpHealthIndicator> indicator) {
            return new PipeliningSmtpHealthMeterBinder(indicator::getIfUnique);
        }
    }
}
