package io.watchgate.gateway.hub;

import io.watchgate.core.SessionState;
import io.watchgate.store.WatchgateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The running sessions, one per session key. The first subscriber of a key starts its session;
 * the last one leaving stops it after the grace period, unless it is pinned.
 */
public final class SessionHub {

    private static final Logger log = LoggerFactory.getLogger(SessionHub.class);
    private static final int MAX_EMIT_SPINS = 10_000;

    private final ConcurrentMap<String, HubSession> sessions = new ConcurrentHashMap<>();
    private final WatchgateStore store;
    private final Duration grace;
    private final Scheduler timer;
    private final Clock clock;
    private final HubObserver observer;
    private final Sinks.Many<SessionTransition> transitions =
            Sinks.many().multicast().directBestEffort();
    private final AtomicBoolean warnedOfDrop = new AtomicBoolean();

    /**
     * @param store where sessions journal
     * @param grace how long a session outlives its last subscriber
     * @param timer runs the grace timers
     * @param clock stamps subscribers
     * @param observer told what the sessions do (metrics)
     */
    public SessionHub(WatchgateStore store, Duration grace, Scheduler timer, Clock clock, HubObserver observer) {
        this.store = store;
        this.grace = grace;
        this.timer = timer;
        this.clock = clock;
        this.observer = observer;
    }

    private void publish(SessionTransition transition) {
        // transitions of different sessions may race: a short spin, never a lock
        for (int spin = 0; spin < MAX_EMIT_SPINS; spin++) {
            if (transitions.tryEmitNext(transition) != Sinks.EmitResult.FAIL_NON_SERIALIZED) {
                return;
            }
            Thread.onSpinWait();
        }
        // Still contended: the transition misses the live stream only (the session's recent
        // transitions, last error and metrics have it, and the admin streams send full snapshots
        // regularly). Not counted in a metric: the live stream is best effort anyway (a reader too
        // slow for it misses transitions uncounted), so a count of this rarer loss alone would
        // mislead. A warning, once, tells that it happens.
        if (warnedOfDrop.compareAndSet(false, true)) {
            log.atWarn()
                    .addKeyValue("session", transition.session())
                    .log(
                            "event=hub.transition_dropped session={} reason={} spins={} note=\"further drops are not logged\"",
                            transition.session(),
                            transition.status().reason(),
                            MAX_EMIT_SPINS);
        }
    }

    /**
     * Every session's transitions, live (hot: nothing is replayed). A subscriber that cannot keep
     * up misses transitions rather than holding the sessions back.
     */
    public Flux<SessionTransition> transitions() {
        return transitions.asFlux();
    }

    /**
     * Joins the session of this spec, starting it when it does not run. A pinned session that ended
     * (it failed) starts again from its own spec, still pinned. Every join is paired with one
     * {@link #leave}.
     */
    public HubSession join(SessionSpec spec) {
        while (true) {
            HubSession session = sessions.compute(spec.key(), (key, present) -> {
                if (present == null) {
                    return create(spec);
                }
                if (present.isStopped()) {
                    return create(present.spec().pinned() ? present.spec() : spec);
                }
                return present;
            });
            if (session.retain()) {
                session.start();
                return session;
            }
            // it stopped between the two steps: the next round replaces it
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

    /** The sessions: running ones, and pinned ones that failed (until restarted or removed). */
    public List<HubSession> sessions() {
        return sessions.values().stream()
                .sorted(Comparator.comparing(HubSession::key))
                .toList();
    }

    /**
     * Stops a session for good: its subscribers are told {@code closing}, and it is removed (a
     * pinned one until the gateway restarts; a new subscriber starts a new session).
     *
     * @return completes when the session has journaled what it received
     */
    public Mono<Void> stop(HubSession session) {
        sessions.remove(session.key(), session);
        session.closeSubscribers();
        session.stop();
        return session.ended();
    }

    /**
     * Starts a pinned session that ended (it failed) again, as a new session with the same spec.
     *
     * @return the new session
     */
    public HubSession restart(HubSession ended) {
        sessions.remove(ended.key(), ended);
        return pin(ended.spec());
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
        HubSession session = new HubSession(spec, store.journal(spec.key()), clock, observer, this::publish);
        session.ended().subscribe(null, null, () -> {
            // a pinned session that failed stays in view: operators (and health) must see it
            if (!(spec.pinned() && session.state() == SessionState.FAILED)) {
                sessions.remove(spec.key(), session);
            }
        });
        return session;
    }
}
