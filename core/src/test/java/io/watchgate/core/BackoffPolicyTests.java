package io.watchgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffPolicyTests {

    @Test
    void defaultsAre250MillisDoublingCappedAt30SecondsWithHalfJitter() {
        BackoffPolicy policy = BackoffPolicy.DEFAULT;
        assertThat(policy.delay(1, 0.0)).isEqualTo(Duration.ofMillis(250));
        assertThat(policy.delay(2, 0.0)).isEqualTo(Duration.ofMillis(500));
        assertThat(policy.delay(3, 0.0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.delay(8, 0.0)).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.delay(1000, 0.0)).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.delay(1, 0.5)).isEqualTo(Duration.ofNanos(187_500_000));
        assertThat(policy.delay(1, 0.99999)).isGreaterThan(Duration.ofMillis(125));
    }

    @Test
    void withInitialRaisesTheCapWhenNeeded() {
        BackoffPolicy policy = BackoffPolicy.DEFAULT.withInitial(Duration.ofMinutes(1));
        assertThat(policy.delay(1, 0.0)).isEqualTo(Duration.ofMinutes(1));
        assertThat(policy.delay(5, 0.0)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new BackoffPolicy(Duration.ofSeconds(5), 2, Duration.ofSeconds(1), 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackoffPolicy(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(5), 0.5))
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> new BackoffPolicy(Duration.ofSeconds(1), 2, Duration.ofSeconds(5), 1.5))
                .hasMessageContaining("jitter");
    }
}
