package io.watchgate.gateway.admin;

import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.hub.SessionTransition;
import io.watchgate.gateway.sse.EventStreamFrames;
import io.watchgate.gateway.sse.EventStreams;
import io.watchgate.gateway.web.GatewayException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin event streams ({@code text/event-stream}):
 *
 * <ul>
 *   <li>{@code GET /admin/events}: {@code snapshot} ({@code {"sessions":[...],"subscribers":[...]}})
 *       at once and then at every snapshot interval, and each session's {@code transition} as it
 *       happens;
 *   <li>{@code GET /admin/sessions/{key}/events}: the session in detail ({@code session}), then its
 *       {@code transition}s, then {@code session_ended} when it ends.
 * </ul>
 *
 * A client that cannot keep up loses the oldest transitions it has not read, never the sessions'
 * time.
 */
final class AdminEvents {

    /** Transitions held for one slow admin client before the oldest are dropped. */
    private static final int PENDING_TRANSITIONS = 256;

    private final SessionHub hub;
    private final AdminViews views;
    private final JsonMapper json;
    private final Duration snapshotInterval;
    private final Duration heartbeatInterval;
    private final Scheduler timer;

    AdminEvents(
            SessionHub hub,
            AdminViews views,
            JsonMapper json,
            Duration snapshotInterval,
            Duration heartbeatInterval,
            Scheduler timer) {
        this.hub = hub;
        this.views = views;
        this.json = json;
        this.snapshotInterval = snapshotInterval;
        this.heartbeatInterval = heartbeatInterval;
        this.timer = timer;
    }

    /** {@code GET /admin/events}. */
    Mono<ServerResponse> all(ServerRequest request) {
        Scheduler streamTimer = EventStreams.timer(request, timer);
        Flux<byte[]> transitions = transitions(hub.transitions());
        // the snapshots are made on the shared timer: all sessions' views are more work than a loop should do
        Flux<byte[]> snapshots = Flux.interval(Duration.ZERO, snapshotInterval, timer)
                .onBackpressureDrop()
                .concatMap(
                        tick -> views.sessions()
                                .map(sessions -> frame(
                                        "snapshot", Map.of("sessions", sessions, "subscribers", views.subscribers()))),
                        1);
        // transitions first: none is missed between the first snapshot and the live stream
        return respond(Flux.merge(transitions, snapshots), streamTimer);
    }

    /** {@code GET /admin/sessions/{key}/events}. */
    Mono<ServerResponse> session(ServerRequest request) {
        return Mono.defer(() -> sessionStream(request.pathVariable("key"), EventStreams.timer(request, timer)));
    }

    private Mono<ServerResponse> sessionStream(String key, Scheduler streamTimer) {
        HubSession session = hub.find(key)
                .orElseThrow(() -> GatewayException.notFound("SESSION_NOT_FOUND", "no session " + key + " runs here"));
        // listening starts before the detail is read, and what arrives meanwhile is kept: the
        // detail and the transitions after it leave nothing out
        Flux<byte[]> frames = Flux.defer(() -> {
            Disposable.Swap listening = Disposables.swap();
            Flux<byte[]> live = transitions(hub.transitions()
                            .filter(transition -> transition.session().equals(key))
                            .takeUntilOther(session.ended()))
                    .replay(PENDING_TRANSITIONS)
                    .autoConnect(0, listening::update);
            return Flux.concat(
                            views.detail(session).map(detail -> frame("session", detail)),
                            live,
                            Mono.fromSupplier(() -> frame(
                                    "session_ended",
                                    Map.of(
                                            "session",
                                            key,
                                            "state",
                                            session.state().name()))))
                    .doFinally(signal -> listening.dispose());
        });
        return respond(frames, streamTimer);
    }

    private Flux<byte[]> transitions(Flux<SessionTransition> transitions) {
        return transitions
                .onBackpressureBuffer(PENDING_TRANSITIONS, dropped -> {}, BufferOverflowStrategy.DROP_OLDEST)
                .map(transition -> frame("transition", TransitionView.of(transition)));
    }

    private Mono<ServerResponse> respond(Flux<byte[]> frames, Scheduler streamTimer) {
        return EventStreams.respond(
                frames.map(ByteBuffer::wrap), heartbeatInterval, EventStreamFrames::heartbeat, streamTimer);
    }

    private byte[] frame(String event, Object value) {
        return EventStreamFrames.named(event, json.writeValueAsString(value));
    }
}
