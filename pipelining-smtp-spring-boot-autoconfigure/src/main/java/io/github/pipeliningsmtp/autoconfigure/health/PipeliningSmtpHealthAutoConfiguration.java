package io.github.pipeliningsmtp.autoconfigure.health;

import io.github.pipeliningsmtp.pacing.SendRateLimit;
import org.springframework.beans.factory.ObjectProvider;

import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpAutoConfiguration;
import io.github.pipeliningsmtp.autoconfigure.PipeliningSmtpProperties;
import io.github.pipeliningsmtp.sender.PipelinedMailSender;
import java.time.Clock;
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
        return new PipeliningSmtpHealthIndicator(sender.pool().connectionSettings(),
                properties.getHealth().isRequirePipelining(), properties.getHealth().getCacheTime(),
                Clock.systemUTC(), rateLimit.getIfUnique(() -> SendRateLimit.NONE));
    }
}
