package io.github.pipeliningsmtp.autoconfigure;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.Credentials;
import io.github.pipeliningsmtp.client.OAuth2TokenProvider;
import io.github.pipeliningsmtp.client.TlsMode;
import io.github.pipeliningsmtp.pacing.RateLimits;
import io.github.pipeliningsmtp.pacing.SharedSendRateLimit;
import io.github.pipeliningsmtp.delivery.RetryPolicy;
import io.github.pipeliningsmtp.pool.PoolSettings;
import java.time.Duration;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns {@link PipeliningSmtpProperties} into engine settings. Every value goes through the
 * engine's own checks; a refused value fails startup with an
 * {@link InvalidConfigurationPropertyValueException} that names the property.
 */
final class SettingsMapper {

    private static final String PREFIX = "smtp.pipelining.";

    private SettingsMapper() {
    }

    static ConnectionSettings connection(PipeliningSmtpProperties p, SSLContext sslContext, OAuth2TokenProvider token) {
        ConnectionSettings.Builder b = check("host", p.getHost() + ":" + p.getPort(),
                () -> ConnectionSettings.builder(p.getHost(), p.getPort()));
        set("connect-timeout", p.getConnectTimeout(), b::connectTimeout);
        set("greeting-timeout", p.getGreetingTimeout(), b::greetingTimeout);
        set("command-timeout", p.getCommandTimeout(), b::commandTimeout);
        set("data-timeout", p.getDataTimeout(), b::dataTimeout);
        if (p.getEhloName() != null) {
            set("ehlo-name", p.getEhloName(), b::ehloName);
        }
        b.tlsMode(tlsMode(p));
        b.sslContext(sslContext);
        b.verifyHostname(p.isVerifyHostname());
        b.allowPlaintextAuth(p.isAllowPlaintextAuth());
        b.authMechanism(p.getAuthMechanism());
        String registrationId = p.getOauth2().getRegistrationId();
        if (token == null && registrationId != null) {
            throw new InvalidConfigurationPropertyValueException(PREFIX + "oauth2.registration-id", registrationId,
                    "XOAUTH2 from an OAuth2 client registration needs spring-security-oauth2-client on the classpath");
        }
        if (token != null) {
            if (p.getUsername() == null) {
                throw new InvalidConfigurationPropertyValueException(PREFIX + "username", null,
                        "a username is required with an OAuth2 token provider (XOAUTH2)");
            }
            b.credentials(Credentials.oauth2(p.getUsername(), token));
        } else if (p.getUsername() != null) {
            if (p.getPassword() == null) {
                throw new InvalidConfigurationPropertyValueException(PREFIX + "password", null,
                        "a password (or smtp.pipelining.oauth2.registration-id, or an OAuth2TokenProvider bean) is required"
                                + " when a username is set");
            }
            b.credentials(Credentials.password(p.getUsername(), p.getPassword()));
        }
        return b.build();
    }

    static SendingOptions sending(PipeliningSmtpProperties p) {
        SendingOptions.Builder b = SendingOptions.builder();
        b.pipelining(p.getPipelining() == PipeliningSmtpProperties.Pipelining.AUTO);
        b.chunking(p.getChunking() == PipeliningSmtpProperties.Pipelining.AUTO);
        set("chunk-size", p.getChunkSize() == null ? null : (int) Math.min(Integer.MAX_VALUE, p.getChunkSize().toBytes()),
                b::chunkSize);
        set("max-messages-in-flight", p.getMaxMessagesInFlight(), b::maxMessagesInFlight);
        setIfPresent("max-recipients-per-transaction", p.getMaxRecipientsPerTransaction(), b::maxRecipientsPerTransaction);
        return b.build();
    }

    /** The configured TLS mode; unset means starttls-required with credentials, none without. */
    static TlsMode tlsMode(PipeliningSmtpProperties p) {
        if (p.getTls() == null) {
            return p.getUsername() != null ? TlsMode.STARTTLS_REQUIRED : TlsMode.NONE;
        }
        return switch (p.getTls()) {
            case NONE -> TlsMode.NONE;
            case STARTTLS -> TlsMode.STARTTLS_OPPORTUNISTIC;
            case STARTTLS_REQUIRED -> TlsMode.STARTTLS_REQUIRED;
            case IMPLICIT -> TlsMode.IMPLICIT;
        };
    }

    static PoolSettings pool(PoolProperties p) {
        PoolSettings.Builder b = PoolSettings.builder();
        set("pool.max-connections", p.getMaxConnections(), b::maxConnections);
        set("pool.min-idle", p.getMinIdle(), b::minIdle);
        set("pool.max-idle-time", p.getMaxIdleTime(), b::maxIdleTime);
        set("pool.max-wait", p.getMaxWait(), b::maxWait);
        set("pool.max-messages-per-connection", p.getMaxMessagesPerConnection(), b::maxMessagesPerConnection);
        set("pool.max-connection-age", p.getMaxConnectionAge(), b::maxConnectionAge);
        b.adaptiveConcurrency(p.getAdaptiveConcurrency().isEnabled());
        set("pool.adaptive-concurrency.successes-before-increase",
                p.getAdaptiveConcurrency().getSuccessesBeforeIncrease(), b::successesBeforeIncrease);
        return check("pool.min-idle", p.getMinIdle(), b::build);
    }

    /**
     * The rates of {@code smtp.pipelining.rate.*}; unset rates are no limit, a rate of 0 or below
     * fails naming its property.
     */
    static RateLimits rates(RateProperties r) {
        RateLimits.Builder b = RateLimits.builder();
        setIfPresent("rate.messages-per-second", r.getMessagesPerSecond(), b::messagesPerSecond);
        setIfPresent("rate.messages-per-minute", r.getMessagesPerMinute(), b::messagesPerMinute);
        setIfPresent("rate.recipients-per-second", r.getRecipientsPerSecond(), b::recipientsPerSecond);
        setIfPresent("rate.recipients-per-minute", r.getRecipientsPerMinute(), b::recipientsPerMinute);
        set("rate.max-wait", r.getMaxWait(), b::maxWait);
        return check("rate.max-wait", r.getMaxWait(), b::build);
    }

    /** The sharing options of {@code smtp.pipelining.rate.shared.*}; the key defaults to the relay account. */
    static SharedSendRateLimit.Options sharing(PipeliningSmtpProperties p) {
        SharedRateProperties s = p.getRate().getShared();
        String key = s.getKey() != null ? s.getKey()
                : (p.getUsername() != null ? p.getUsername() + "@" : "") + p.getHost() + ":" + p.getPort();
        if (s.getExpectedInstances() < 1) {
            throw new InvalidConfigurationPropertyValueException(PREFIX + "rate.shared.expected-instances",
                    s.getExpectedInstances(), "must be at least 1");
        }
        positive("rate.shared.retry-interval", s.getRetryInterval());
        positive("rate.shared.store-timeout", s.getStoreTimeout());
        return check("rate.shared.table", s.getTable(), () -> new SharedSendRateLimit.Options(key,
                s.getExpectedInstances(), s.getRetryInterval(), s.getStoreTimeout(), s.getTable()));
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidConfigurationPropertyValueException(PREFIX + name, d, "must be positive");
        }
    }

    /**
     * Applies the relay profile's limits to every property the application did not set itself
     * ({@code bound} tells which it set).
     */
    static void applyProfile(PipeliningSmtpProperties p, java.util.function.Predicate<String> bound) {
        RelayProfile profile = p.getRelayProfile();
        if (profile == null) {
            return;
        }
        PoolProperties pool = p.getPool();
        RateProperties rate = p.getRate();
        if (profile.maxConnections != null && !bound.test("pool.max-connections")) {
            pool.setMaxConnections(profile.maxConnections);
        }
        if (profile.maxMessagesPerConnection != null && !bound.test("pool.max-messages-per-connection")) {
            pool.setMaxMessagesPerConnection(profile.maxMessagesPerConnection);
        }
        if (profile.maxConnectionAge != null && !bound.test("pool.max-connection-age")) {
            pool.setMaxConnectionAge(profile.maxConnectionAge);
        }
        if (profile.messagesPerSecond != null && !bound.test("rate.messages-per-second")) {
            rate.setMessagesPerSecond(profile.messagesPerSecond);
        }
        if (profile.messagesPerMinute != null && !bound.test("rate.messages-per-minute")) {
            rate.setMessagesPerMinute(profile.messagesPerMinute);
        }
        if (profile.recipientsPerSecond != null && !bound.test("rate.recipients-per-second")) {
            rate.setRecipientsPerSecond(profile.recipientsPerSecond);
        }
        if (!bound.test("max-recipients-per-transaction")) {
            p.setMaxRecipientsPerTransaction(profile.recipientsPerMessage);
        }
    }

    private static <T> void setIfPresent(String name, T value, Consumer<T> setter) {
        if (value != null) {
            set(name, value, setter);
        }
    }

    static RetryPolicy retry(RetryProperties p) {
        RetryPolicy.Builder b = RetryPolicy.builder().enabled(p.isEnabled());
        set("retry.max-attempts", p.getMaxAttempts(), b::maxAttempts);
        set("retry.initial-back-off", p.getInitialBackOff(), b::initialBackOff);
        set("retry.multiplier", p.getMultiplier(), b::multiplier);
        set("retry.max-back-off", p.getMaxBackOff(), b::maxBackOff);
        set("retry.jitter", p.getJitter(), b::jitter);
        set("retry.budget", p.getBudget(), b::budget);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            boolean budget = e.getMessage().startsWith("budget");
            throw new InvalidConfigurationPropertyValueException(PREFIX + (budget ? "retry.budget" : "retry.max-back-off"),
                    budget ? p.getBudget() : p.getMaxBackOff(), e.getMessage());
        }
    }

    private static <T> void set(String name, T value, Consumer<T> setter) {
        check(name, value, () -> {
            setter.accept(value);
            return null;
        });
    }

    private static <R> R check(String name, Object value, java.util.function.Supplier<R> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidConfigurationPropertyValueException(PREFIX + name, value, e.getMessage());
        }
    }
}
