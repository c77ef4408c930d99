package io.github.pipeliningsmtp.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Back-off numbers, and settings that could never retry or make no sense are refused naming the setting. */
class RetryPolicyTest {

    @Test
    void backOffGrowsByTheMultiplierUpToTheMaxAndJitterOnlyShortensIt() {
        RetryPolicy p = RetryPolicy.builder().enabled(true).initialBackOff(Duration.ofMillis(100)).multiplier(3)
                .maxBackOff(Duration.ofMillis(500)).jitter(0.5).build();
        assertThat(p.backOff(1, () -> 0)).isEqualTo(Duration.ofMillis(100));
        assertThat(p.backOff(2, () -> 0)).isEqualTo(Duration.ofMillis(300));
        assertThat(p.backOff(3, () -> 0)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.backOff(2, () -> 0.999)).isBetween(Duration.ofMillis(150), Duration.ofMillis(151));
    }

    @Test
    void offByDefault() {
        assertThat(RetryPolicy.DISABLED.enabled()).isFalse();
        assertThat(RetryPolicy.builder().build().enabled()).isFalse();
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> RetryPolicy.builder().initialBackOff(Duration.ofMillis(-1)))
                .hasMessageContaining("initialBackOff");
        assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5)).hasMessageContaining("multiplier");
        assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5)).hasMessageContaining("jitter");
        assertThatThrownBy(() -> RetryPolicy.builder().budget(Duration.ZERO)).hasMessageContaining("budget");
        assertThatThrownBy(() -> RetryPolicy.builder().initialBackOff(Duration.ofSeconds(5))
                .maxBackOff(Duration.ofSeconds(1)).build()).hasMessageContaining("maxBackOff");
        assertThatThrownBy(() -> RetryPolicy.builder().enabled(true).initialBackOff(Duration.ofSeconds(5))
                .budget(Duration.ofSeconds(1)).build()).hasMessageContaining("budget");
    }
}
