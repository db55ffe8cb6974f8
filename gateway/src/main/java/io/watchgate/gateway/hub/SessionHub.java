package io.watchgate.gateway.hub;

import io.watchgate.store.WatchgateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The running sessions, one per session key. The first subscriber of a key starts its session;
 * the last one leaving stops it after the grace period, unless it is pinned.
 */
public final class SessionHub {

    private final ConcurrentMap<String, HubSession> sessions = new ConcurrentHashMap<>();
    private final WatchgateStore store;
    private final Duration grace;
    private final Scheduler timer;
    private final Clock clock;

    /**
     * @param store where sessions journal
     * @param grace how long a session outlives its last subscriber
     * @param timer runs the grace timers
     * @param clock stamps subscribers
     */
    public SessionHub(WatchgateStore store, Duration grace, Scheduler timer, Clock clock) {
        this.store = store;
        this.grace = grace;
        this.timer = timer;
        this.clock = clock;
    }

    /**
     * Joins the session of this spec, starting it when it does not run. Every join is paired with
     * one {@link #leave}.
     */
    public HubSession join(SessionSpec spec) {
        while (true) {
            HubSession session = sessions.computeIfAbsent(spec.key(), key -> create(spec));
            if (session.retain()) {
                session.start();
                return session;
            }
            sessions.remove(spec.key(), session);
        }
    }

    /** Starts a pinned session (it runs without subscribers). */
    public HubSession pin(SessionSpec spec) {
        HubSession session = join(spec);
        leave(session);
        return session;
    }

    /** Leaves a session joined before; the last one out starts its grace period. */
    public void leave(HubSession session) {
        if (session.release()) {
            session.graceTimer(timer.schedule(
                    () -> {
                        if (session.stopIfUnused()) {
                            sessions.remove(session.key(), session);
                        }
                    },
                    grace.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS));
        }
    }

    /** The session with this key, if it runs. */
    public java.util.Optional<HubSession> find(String key) {
        return java.util.Optional.ofNullable(sessions.get(key));
    }

    /** The running sessions. */
    public List<HubSession> sessions() {
        return List.copyOf(sessions.values());
    }

    /**
     * Closes the hub: subscribers are told ({@code closing}), every session stops and journals what
     * it received.
     */
    public Mono<Void> close(Duration timeout) {
        return Flux.fromIterable(sessions.values())
                .flatMap(session -> {
                    session.closeSubscribers();
                    session.stop();
                    return session.ended();
                })
                .then()
                .timeout(timeout, Mono.empty());
    }

    private HubSession create(SessionSpec spec) {
        HubSession session = new HubSession(spec, store.journal(spec.key()), clock);
        session.ended().subscribe(null, null, () -> sessions.remove(spec.key(), session));
        return session;
    }
}
