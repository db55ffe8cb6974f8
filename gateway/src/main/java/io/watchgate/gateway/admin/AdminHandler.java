package io.watchgate.gateway.admin;

import io.watchgate.core.SessionState;
import io.watchgate.core.WatchSession;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.web.GatewayException;
import io.watchgate.gateway.web.RequestIds;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API's requests and actions: list and inspect sessions and subscribers, reconnect,
 * stop, and move a session's cursor. Unknown keys answer 404; actions that do not apply to a
 * session in its state (or to the local origin) answer 409.
 */
final class AdminHandler {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    /** How long a stop waits for the session to journal what it received. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final SessionHub hub;
    private final AdminViews views;
    private final JsonMapper json;
    private final OneAtATime cursorMoves = new OneAtATime();

    AdminHandler(SessionHub hub, AdminViews views, JsonMapper json) {
        this.hub = hub;
        this.views = views;
        this.json = json;
    }

    /** {@code GET /admin/sessions}. */
    Mono<ServerResponse> sessions(ServerRequest request) {
        return views.sessions().flatMap(all -> ok(Map.of("sessions", all)));
    }

    /** {@code GET /admin/sessions/{key}}. */
    Mono<ServerResponse> session(ServerRequest request) {
        return Mono.fromSupplier(() -> find(request)).flatMap(views::detail).flatMap(AdminHandler::ok);
    }

    /** {@code GET /admin/subscribers}. */
    Mono<ServerResponse> subscribers(ServerRequest request) {
        return Mono.fromSupplier(views::subscribers).flatMap(all -> ok(Map.of("subscribers", all)));
    }

    /**
     * {@code POST /admin/sessions/{key}/reconnect}: drops the upstream connection and connects again
     * now; a pinned session that failed is started again.
     */
    Mono<ServerResponse> reconnect(ServerRequest request) {
        return Mono.fromSupplier(() -> find(request)).flatMap(session -> {
            boolean restart = session.spec().pinned() && session.state() == SessionState.FAILED;
            if (restart) {
                session = hub.restart(session);
            } else if (!upstream(session).reconnect()) {
                throw conflict("session " + session.key() + " is " + describe(session.state())
                        + ": there is no connection to renew");
            }
            audit(request, "reconnect", session);
            Map<String, Object> answer = answer(session, "reconnect");
            answer.put("restarted", restart);
            return ServerResponse.status(HttpStatus.ACCEPTED)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(answer);
        });
    }

    /** {@code DELETE /admin/sessions/{key}}: stops the session; its subscribers get {@code closing}. */
    Mono<ServerResponse> stop(ServerRequest request) {
        return Mono.fromSupplier(() -> find(request)).flatMap(session -> {
            if (!session.spec().remote()) {
                throw conflict("session " + session.key()
                        + " belongs to the local origin, which publishes into it: it cannot be stopped");
            }
            audit(request, "stop", session);
            return hub.stop(session)
                    .timeout(STOP_TIMEOUT, Mono.empty())
                    .then(Mono.defer(() -> ok(answer(session, "stop"))));
        });
    }

    /**
     * {@code PUT /admin/sessions/{key}/cursor}, body {@code {"cursor":"N"}}: the session
     * reconnects after that cursor, in a new epoch, so that notifications after it are journaled
     * and delivered again even if they were before. One move of a session runs at a time: another
     * one meanwhile answers 409.
     */
    Mono<ServerResponse> moveCursor(ServerRequest request) {
        return Mono.fromSupplier(() -> find(request))
                .flatMap(session -> request.bodyToMono(byte[].class)
                        .defaultIfEmpty(new byte[0])
                        .flatMap(body -> {
                            WatchSession upstream = upstream(session);
                            CursorMove move = CursorMove.parse(body, json, upstream.request());
                            return cursorMoves.run(
                                    session.key(),
                                    () -> moveCursor(request, session, upstream, move),
                                    () -> conflict("a cursor move of session " + session.key()
                                            + " is in progress: try again once it is done"));
                        }));
    }

    /**
     * Moves the journal's position, then the upstream session. The journal goes first as it may
     * refuse (another writer moved it past the new position meanwhile): then nothing has moved.
     */
    private Mono<ServerResponse> moveCursor(
            ServerRequest request, HubSession session, WatchSession upstream, CursorMove move) {
        if (upstream.snapshot().state().isTerminal() || session.isStopped()) {
            throw conflict(
                    "session " + session.key() + " is " + describe(session.state()) + ": its cursor cannot move now");
        }
        return session.journal()
                .position()
                .map(Checkpoint::epoch)
                .defaultIfEmpty(0L)
                .flatMap(journaledEpoch -> {
                    Checkpoint checkpoint = move.checkpoint(Math.max(journaledEpoch, move.epochOf(upstream)) + 1);
                    return session.journal().moveCursor(checkpoint).map(moved -> {
                        if (!moved) {
                            throw conflict("the journal of session " + session.key() + " is already past "
                                    + checkpoint.cursor() + " in epoch " + checkpoint.epoch()
                                    + ": it was moved meanwhile; try again");
                        }
                        audit(request, "move_cursor", session);
                        if (!upstream.moveCursor(checkpoint)) {
                            throw conflict("session " + session.key() + " is "
                                    + describe(upstream.snapshot().state())
                                    + ": its connection cannot move now; the journal's position moved,"
                                    + " and the session resumes from there when it starts again");
                        }
                        return checkpoint;
                    });
                })
                .flatMap(checkpoint -> {
                    Map<String, Object> answer = answer(session, "move_cursor");
                    answer.put("cursor", checkpoint.cursor());
                    answer.put("epoch", checkpoint.epoch());
                    return ok(answer);
                });
    }

    private HubSession find(ServerRequest request) {
        String key = request.pathVariable("key");
        return hub.find(key)
                .orElseThrow(() -> GatewayException.notFound("SESSION_NOT_FOUND", "no session " + key + " runs here"));
    }

    /** The upstream session of a hub session that has one and runs; 409 otherwise. */
    private static WatchSession upstream(HubSession session) {
        if (!session.spec().remote()) {
            throw conflict("session " + session.key() + " belongs to the local origin: it has no upstream connection");
        }
        return session.upstreamSession()
                .orElseThrow(() -> conflict("session " + session.key() + " is starting: try again in a moment"));
    }

    private static String describe(SessionState state) {
        return state == SessionState.CONNECTING ? "starting" : state.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static GatewayException conflict(String message) {
        return new GatewayException(HttpStatus.CONFLICT, "NOT_APPLICABLE", message);
    }

    private static Map<String, Object> answer(HubSession session, String action) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("session", session.key());
        answer.put("action", action);
        answer.put("state", session.state().name());
        return answer;
    }

    private static void audit(ServerRequest request, String action, HubSession session) {
        log.atInfo()
                .addKeyValue("request_id", RequestIds.of(request.exchange()))
                .addKeyValue("session", session.key())
                .log(
                        "event=admin.{} session={} upstream={} remote={}",
                        action,
                        session.key(),
                        session.spec().upstream(),
                        request.remoteAddress().map(Object::toString).orElse("unknown"));
    }

    private static Mono<ServerResponse> ok(Object body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }
}
