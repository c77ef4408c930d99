package io.github.pipeliningsmtp.autoconfigure;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.client.Credentials;
import io.github.pipeliningsmtp.client.TlsMode;
import io.github.pipeliningsmtp.delivery.RetryPolicy;
import io.github.pipeliningsmtp.pool.PoolSettings;
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

    static ConnectionSettings connection(PipeliningSmtpProperties p, SSLContext sslContext, OAuth2TokenSupplier token) {
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
        if (token != null) {
            if (p.getUsername() == null) {
                throw new InvalidConfigurationPropertyValueException(PREFIX + "username", null,
                        "a username is required with an OAuth2TokenSupplier (XOAUTH2)");
            }
            b.credentials(Credentials.oauth2(p.getUsername(), token));
        } else if (p.getUsername() != null) {
            if (p.getPassword() == null) {
                throw new InvalidConfigurationPropertyValueException(PREFIX + "password", null,
                        "a password (or an OAuth2TokenSupplier bean) is required when a username is set");
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

    static PoolSettings pool(PipeliningSmtpProperties.Pool p) {
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
