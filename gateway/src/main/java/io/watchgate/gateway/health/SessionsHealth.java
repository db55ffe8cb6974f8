package io.watchgate.gateway.health;

import io.watchgate.core.SessionState;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.LastError;
import io.watchgate.gateway.hub.SessionHub;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The upstream sessions: DOWN when a pinned session has failed (it will not retry by itself: an
 * operator must act); sessions backing off are reported but keep it UP (they retry). Details: the
 * number of sessions per state, and the pinned sessions that failed or back off, with their last
 * error.
 */
public final class SessionsHealth implements HealthIndicator {

    private final SessionHub hub;

    /** @param hub the sessions */
    public SessionsHealth(SessionHub hub) {
        this.hub = hub;
    }

    @Override
    public Health health() {
        Map<String, Integer> states = new TreeMap<>();
        Map<String, Object> failed = new LinkedHashMap<>();
        Map<String, Object> backingOff = new LinkedHashMap<>();
        for (HubSession session : hub.sessions()) {
            if (!session.spec().remote()) {
                continue;
            }
            SessionState state = session.state();
            states.merge(state.name().toLowerCase(Locale.ROOT), 1, Integer::sum);
            if (state == SessionState.FAILED && session.spec().pinned()) {
                failed.put(session.key(), describe(session));
            } else if (state == SessionState.BACKING_OFF) {
                backingOff.put(session.key(), describe(session));
            }
        }
        Health.Builder health = failed.isEmpty() ? Health.up() : Health.down();
        health.withDetail("sessions", states);
        if (!failed.isEmpty()) {
            health.withDetail("failed", failed);
        }
        if (!backingOff.isEmpty()) {
            health.withDetail("backing_off", backingOff);
        }
        return health.build();
    }

    private static Map<String, Object> describe(HubSession session) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("upstream", session.spec().upstream());
        described.put("request", session.spec().description());
        described.put("pinned", session.spec().pinned());
        LastError error = session.lastError();
        if (error != null) {
            described.put("last_error", error.kind() + ": " + error.message());
        }
        return described;
    }
}
