package io.github.pipeliningsmtp.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pipeliningsmtp.client.ConnectionSettings;
import io.github.pipeliningsmtp.client.SendingOptions;
import io.github.pipeliningsmtp.pool.PoolSettings;
import org.junit.jupiter.api.Test;

/**
 * The defaults live in the engine ({@link ConnectionSettings}, {@link SendingOptions},
 * {@link PoolSettings}); the properties class repeats them as literals only so that the generated
 * IDE metadata shows them. This test keeps the two from drifting apart: unset properties map to
 * exactly the engine's defaults.
 */
class DefaultsAgreeTest {

    private final PipeliningSmtpProperties properties = new PipeliningSmtpProperties();

    @Test
    void connectionDefaultsAreTheEngines() {
        properties.setHost("mail.example.com");
        ConnectionSettings mapped = SettingsMapper.connection(properties, null, null);
        ConnectionSettings engine = ConnectionSettings.builder("mail.example.com", 25).build();
        assertThat(mapped.connectTimeout()).isEqualTo(engine.connectTimeout());
        assertThat(mapped.greetingTimeout()).isEqualTo(engine.greetingTimeout());
        assertThat(mapped.commandTimeout()).isEqualTo(engine.commandTimeout());
        assertThat(mapped.dataTimeout()).isEqualTo(engine.dataTimeout());
        assertThat(mapped.verifyHostname()).isEqualTo(engine.verifyHostname());
        assertThat(mapped.port()).isEqualTo(engine.port());
    }

    @Test
    void sendingDefaultsAreTheEngines() {
        SendingOptions mapped = SettingsMapper.sending(properties);
        assertThat(mapped.toString()).isEqualTo(SendingOptions.DEFAULTS.toString());
    }

    @Test
    void poolDefaultsAreTheEngines() {
        assertThat(SettingsMapper.pool(properties.getPool()).toString()).isEqualTo(PoolSettings.defaults().toString());
    }

    @Test
    void rateDefaultsAreTheEngines() {
        assertThat(SettingsMapper.rates(properties.getRate())).isEqualTo(io.github.pipeliningsmtp.pacing.RateLimits.NONE);
        properties.setHost("mail.example.com");
        properties.getRate().getShared().setKey("k");
        assertThat(SettingsMapper.sharing(properties))
                .isEqualTo(io.github.pipeliningsmtp.pacing.SharedSendRateLimit.Options.of("k"));
    }
}
