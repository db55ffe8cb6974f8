package io.watchgate.gateway.health;

import io.watchgate.core.SessionState;
import io.watchgate.gateway.hub.HubSession;
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
 * number of sessions per state, and the pinned sessions that failed or back off, by key, with
 * their upstream, state and attempts only: requests and error messages may carry what only
 * operators may see, and are shown by the admin API.
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
        Map<String, Described> failed = new LinkedHashMap<>();
        Map<String, Described> backingOff = new LinkedHashMap<>();
        for (HubSession session : hub.sessions()) {
            if (!session.spec().remote()) {
                continue;
            }
            SessionState state = session.state();
            states.merge(state.name().toLowerCase(Locale.ROOT), 1, Integer::sum);
            if (state == SessionState.FAILED && session.spec().pinned()) {
                failed.put(session.key(), describe(session, state));
            } else if (state == SessionState.BACKING_OFF) {
                backingOff.put(session.key(), describe(session, state));
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

    private static Described describe(HubSession session, SessionState state) {
        int attempts = session.upstreamSession()
                .map(upstream -> upstream.snapshot().attempt())
                .orElse(0);
        return new Described(session.spec().upstream(), state.name(), attempts);
    }

    /**
     * What the details tell of one session, under its key.
     *
     * @param upstream the upstream's name
     * @param state the session's state
     * @param attempts consecutive failed connection attempts
     */
    record Described(String upstream, String state, int attempts) {}
}
