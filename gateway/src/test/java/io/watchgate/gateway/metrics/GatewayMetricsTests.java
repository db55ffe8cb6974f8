package io.watchgate.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.gateway.hub.SessionTransition;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class GatewayMetricsTests {

    private static SessionStatus status(SessionState state, String reason) {
        return new SessionStatus(state, reason, null, 1, Duration.ofSeconds(1), Instant.EPOCH);
    }

    @Test
    void aReconnectIsCountedByTheReasonThatLedToIt() {
        assertThat(GatewayMetrics.reconnectReason(status(SessionState.BACKING_OFF, "transport_error")))
                .isEqualTo("transport_error");
        assertThat(GatewayMetrics.reconnectReason(status(SessionState.REFRESHING_AUTH, "unauthorized")))
                .isEqualTo("unauthorized");
        assertThat(GatewayMetrics.reconnectReason(status(SessionState.CONNECTING, "server_closing")))
                .isEqualTo("server_closing");
        assertThat(GatewayMetrics.reconnectReason(status(SessionState.CONNECTING, "reconnect_requested")))
                .isEqualTo("reconnect_requested");
        // the attempt after a backoff was already counted when the backoff began
        assertThat(GatewayMetrics.reconnectReason(status(SessionState.CONNECTING, "reconnecting")))
                .isNull();
        assertThat(GatewayMetrics.reconnectReason(status(SessionState.CONNECTING, "connecting")))
                .isNull();
        assertThat(GatewayMetrics.reconnectReason(status(SessionState.LIVE, "connected")))
                .isNull();
    }

    @Test
    void unknownReasonsShareOneLabelValue() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);

        metrics.transition(new SessionTransition("k", "u", status(SessionState.BACKING_OFF, "something_new")));
        metrics.transition(new SessionTransition("k", "u", status(SessionState.BACKING_OFF, "server_error")));
        metrics.transition(new SessionTransition("k", "u", status(SessionState.LIVE, "gap")));

        assertThat(registry.get("watchgate.reconnects")
                        .tag("reason", "other")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("watchgate.reconnects")
                        .tag("reason", "server_error")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("watchgate.upstream.gaps").counter().count()).isEqualTo(1);
    }
}
