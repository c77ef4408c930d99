package io.github.pipeliningsmtp.autoconfigure;

import io.github.pipeliningsmtp.pacing.LocalSendRateLimit;
import io.github.pipeliningsmtp.pacing.RateBackOff;
import io.github.pipeliningsmtp.pacing.RateLimits;
import io.github.pipeliningsmtp.pacing.SendRateLimit;
import io.github.pipeliningsmtp.pacing.SharedSendRateLimit;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.converter.Converter;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;

/**
 * The send rate limit bean ({@code smtp.pipelining.rate.*}, after the relay profile): none without a
 * rate, in memory by default, in PostgreSQL with {@code rate.shared.enabled=true} (the application's
 * {@link DataSource}). An application's own {@link SendRateLimit} bean replaces it.
 */
@Configuration(proxyBeanMethods = false)
class RateLimitConfiguration {

    private static final String SHARED = "smtp.pipelining.rate.shared.enabled";

    /** {@code relay-profile} in any case; an unknown value names the allowed ones. */
    @Bean
    @ConfigurationPropertiesBinding
    static Converter<String, RelayProfile> smtpPipeliningRelayProfileConverter() {
        return RelayProfile::of;
    }

    @Bean
    @ConditionalOnMissingBean
    SendRateLimit smtpPipeliningRateLimit(PipeliningSmtpProperties properties, Environment environment,
                                          ObjectProvider<DataSource> dataSource, ResourceLoader resourceLoader) {
        applyProfile(properties, environment);
        RateLimits limits = SettingsMapper.rates(properties.getRate());
        boolean shared = properties.getRate().getShared().isEnabled();
        RateBackOff backOff = properties.getRate().isBackOff() ? RateBackOff.DEFAULT : RateBackOff.OFF;
        if (!shared) {
            return limits.isUnlimited() ? SendRateLimit.NONE : new LocalSendRateLimit(limits, backOff);
        }
        if (limits.isUnlimited()) {
            throw new InvalidConfigurationPropertyValueException(SHARED, true,
                    "a shared rate budget needs a rate: set smtp.pipelining.rate.messages-per-second (or -per-minute, "
                            + "recipients-per-second, recipients-per-minute) or a relay-profile");
        }
        DataSource source = dataSource.getIfUnique();
        if (source == null) {
            throw new InvalidConfigurationPropertyValueException(SHARED, true,
                    "a shared rate budget needs one javax.sql.DataSource bean (PostgreSQL) to keep it in; none or "
                            + "several are defined");
        }
        if (!ClassUtils.isPresent("io.github.bucket4j.postgresql.Bucket4jPostgreSQL",
                resourceLoader.getClassLoader())) {
            throw new InvalidConfigurationPropertyValueException(SHARED, true,
                    "a shared rate budget needs com.bucket4j:bucket4j_jdk17-postgresql on the class path");
        }
        return new SharedSendRateLimit(limits, source, SettingsMapper.sharing(properties), backOff);
    }

    /** The relay profile's defaults, for every property not bound explicitly. Idempotent. */
    static void applyProfile(PipeliningSmtpProperties properties, Environment environment) {
        Binder binder = Binder.get(environment);
        SettingsMapper.applyProfile(properties,
                name -> binder.bind("smtp.pipelining." + name, Object.class).isBound());
    }
}
