package io.watchgate.gateway.admin;

import io.watchgate.core.SessionSnapshot;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.WatchSession;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.store.journal.JournalBounds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Builds what the admin API shows from the hub's sessions. */
final class AdminViews {

    /** How long the journal's bounds may take before a view is shown without them. */
    private static final Duration BOUNDS_TIMEOUT = Duration.ofSeconds(2);

    private static final int BOUNDS_CONCURRENCY = 4;

    private final SessionHub hub;

    AdminViews(SessionHub hub) {
        this.hub = hub;
    }

    /** Every session, in key order, without transitions. */
    Mono<List<SessionView>> sessions() {
        return Flux.fromIterable(hub.sessions())
                .flatMapSequential(session -> view(session, false), BOUNDS_CONCURRENCY)
                .collectList();
    }

    /** One session, with its recent transitions. */
    Mono<SessionView> detail(HubSession session) {
        return view(session, true);
    }

    /** Every connected subscriber, by session. */
    List<SubscriberView> subscribers() {
        List<SubscriberView> all = new ArrayList<>();
        for (HubSession session : hub.sessions()) {
            session.subscribers().forEach(queue -> all.add(SubscriberView.of(session, queue)));
        }
        return all;
    }

    private Mono<SessionView> view(HubSession session, boolean detailed) {
        return session.journal()
                .bounds()
                .timeout(BOUNDS_TIMEOUT)
                .map(Optional::of)
                // the view is still worth showing when the store does not answer
                .onErrorResume(error -> Mono.just(Optional.empty()))
                .map(bounds -> view(session, bounds.orElse(null), detailed));
    }

    static SessionView view(HubSession session, @Nullable JournalBounds bounds, boolean detailed) {
        Optional<SessionSnapshot> snapshot = session.upstreamSession().map(WatchSession::snapshot);
        SessionState state = session.state();
        Checkpoint position = snapshot.map(SessionSnapshot::position).orElse(null);
        Checkpoint committed = snapshot.map(SessionSnapshot::committed).orElse(null);
        long epoch = Math.max(position == null ? 0 : position.epoch(), committed == null ? 0 : committed.epoch());
        List<SessionStatus> transitions = session.transitions();
        return new SessionView(
                session.key(),
                session.spec().upstream(),
                session.spec().description(),
                state.name(),
                session.spec().pinned(),
                new SessionView.Cursor(
                        position == null ? null : position.cursor(),
                        committed == null ? null : committed.cursor(),
                        epoch,
                        session.newestOffset()),
                text(session.lastJournaled()),
                snapshot.map(s -> s.counters().delivered()).orElse(session.journaledCount()),
                snapshot.map(SessionSnapshot::attempt).orElse(0),
                state == SessionState.BACKING_OFF ? text(nextRetry(transitions)) : null,
                SessionView.ErrorView.of(session.lastError()),
                session.subscribers().size(),
                session.laggedCount(),
                bounds == null
                        ? null
                        : bounds.isEmpty()
                                ? new SessionView.JournalView(null, null)
                                : new SessionView.JournalView(bounds.oldest(), bounds.newest()),
                session.created().toString(),
                detailed ? snapshot.map(AdminViews::counters).orElse(null) : null,
                detailed
                        ? transitions.stream()
                                .map(status -> TransitionView.of(session.key(), status))
                                .toList()
                        : null);
    }

    private static SessionView.CountersView counters(SessionSnapshot snapshot) {
        SessionSnapshot.Counters counters = snapshot.counters();
        return new SessionView.CountersView(
                counters.delivered(),
                counters.duplicates(),
                counters.gaps(),
                counters.resets(),
                counters.malformed(),
                counters.connections());
    }

    /** When the latest backoff ends. */
    private static @Nullable Instant nextRetry(List<SessionStatus> transitions) {
        for (int i = transitions.size() - 1; i >= 0; i--) {
            SessionStatus status = transitions.get(i);
            if (status.state() == SessionState.BACKING_OFF && status.delay() != null) {
                return status.time().plus(status.delay());
            }
        }
        return null;
    }

    private static @Nullable String text(@Nullable Instant time) {
        return time == null ? null : time.toString();
    }
}
