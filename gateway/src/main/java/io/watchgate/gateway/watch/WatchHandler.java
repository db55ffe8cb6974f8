package io.watchgate.gateway.watch;

import io.watchgate.core.IdentifierFilter;
import io.watchgate.core.Notification;
import io.watchgate.core.WatchRequest;
import io.watchgate.gateway.aviso.AvisoBody;
import io.watchgate.gateway.config.WatchgateProperties;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.hub.SessionSpec;
import io.watchgate.gateway.hub.SubscriberStream;
import io.watchgate.gateway.local.LocalOrigin;
import io.watchgate.gateway.sse.EventStreamFrames;
import io.watchgate.gateway.sse.EventStreams;
import io.watchgate.gateway.upstream.RemoteUpstream;
import io.watchgate.gateway.upstream.UpstreamClients;
import io.watchgate.gateway.web.GatewayException;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /watch/{upstream}}: joins (or starts) the shared session the query names and streams
 * it as EventSource-friendly SSE, resuming after {@code Last-Event-ID} from the journal.
 */
public final class WatchHandler {

    private final SessionHub hub;
    private final UpstreamClients upstreams;
    private final LocalOrigin local;
    private final WatchgateProperties.Fanout fanout;
    private final EventSourceFrames frames;
    private final Scheduler timer;

    /** Creates the handler. */
    public WatchHandler(
            SessionHub hub,
            UpstreamClients upstreams,
            LocalOrigin local,
            WatchgateProperties.Fanout fanout,
            JsonMapper json,
            Scheduler timer) {
        this.hub = hub;
        this.upstreams = upstreams;
        this.local = local;
        this.fanout = fanout;
        this.frames = new EventSourceFrames(json);
        this.timer = timer;
    }

    /** Handles one watch request. */
    public Mono<ServerResponse> watch(ServerRequest request) {
        String upstream = request.pathVariable("upstream");
        WatchQuery query =
                WatchQuery.parse(request.queryParams(), request.headers().firstHeader("Last-Event-ID"));
        Target target = target(upstream, query, false);
        Flux<byte[]> body = Flux.using(
                        () -> hub.join(target.spec()),
                        session -> SubscriberStream.open(
                                session, query.start(), query.requested(), target.filter(), fanout.subscriberQueue()),
                        hub::leave)
                .<byte[]>handle((item, sink) -> {
                    byte[] frame = frames.render(item);
                    if (frame != null) {
                        sink.next(frame);
                    }
                })
                .startWith(EventStreamFrames.retry(fanout.retry()));
        return EventStreams.respond(
                request,
                body,
                fanout.heartbeatInterval(),
                EventStreamFrames::heartbeat,
                timer,
                fanout.laggedCloseTimeout());
    }

    /**
     * The session a query names on an upstream.
     *
     * @throws GatewayException 404 for an unknown upstream, 400 for a bad query
     */
    public SessionSpec session(String upstream, WatchQuery query, boolean pinned) {
        return target(upstream, query, pinned).spec();
    }

    /** Which of a session's notifications a query wants (the local origin filters per subscriber). */
    public Predicate<Notification> filter(String upstream, WatchQuery query) {
        return target(upstream, query, false).filter();
    }

    private Target target(String upstream, WatchQuery query, boolean pinned) {
        if (WatchgateProperties.LOCAL.equals(upstream)) {
            String eventType = query.requireEventType();
            if (!AvisoBody.isEventType(eventType)) {
                throw GatewayException.badRequest(
                        "INVALID_REQUEST", "event_type must be 1 to 128 letters, digits, '_', '.', ':' or '-'");
            }
            Map<String, IdentifierFilter> filters = query.filters();
            HubSession session = local.session(eventType);
            return new Target(session.spec(), new IdentifierMatcher(filters));
        }
        RemoteUpstream remote = upstreams
                .find(upstream)
                .orElseThrow(
                        () -> GatewayException.notFound("UNKNOWN_UPSTREAM", "no upstream named '" + upstream + "'"));
        WatchRequest watch = switch (remote.protocol()) {
            case AVISO -> {
                WatchRequest.AvisoRequest aviso = WatchRequest.aviso(query.requireEventType());
                for (Map.Entry<String, IdentifierFilter> filter :
                        query.filters().entrySet()) {
                    aviso = aviso.where(filter.getKey(), filter.getValue());
                }
                yield aviso;
            }
            case SSE -> {
                if (query.bootstrap() != null) {
                    throw GatewayException.badRequest(
                            "INVALID_REQUEST", "from_id and from_date apply to aviso upstreams; use Last-Event-ID");
                }
                yield WatchRequest.sse().variables(query.parameters());
            }
        };
        return new Target(remote.session(watch, query.bootstrap(), pinned), notification -> true);
    }

    private record Target(SessionSpec spec, Predicate<Notification> filter) {
        Target {
            Objects.requireNonNull(spec);
        }
    }
}
