package io.watchgate.gateway.watch;

import io.watchgate.gateway.config.WatchgateProperties;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.hub.SessionSpec;
import io.watchgate.gateway.hub.SubscriberStream;
import io.watchgate.gateway.sse.EventStreamFrames;
import io.watchgate.gateway.sse.EventStreams;
import io.watchgate.gateway.web.GatewayException;
import io.watchgate.gateway.web.Subscribers;
import java.nio.ByteBuffer;
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
    private final SessionTargets targets;
    private final WatchgateProperties.Fanout fanout;
    private final EventSourceFrames frames;
    private final Scheduler timer;

    /** Creates the handler. */
    public WatchHandler(
            SessionHub hub,
            SessionTargets targets,
            WatchgateProperties.Fanout fanout,
            JsonMapper json,
            Scheduler timer) {
        this.hub = hub;
        this.targets = targets;
        this.fanout = fanout;
        this.frames = new EventSourceFrames(json);
        this.timer = timer;
    }

    /** Handles one watch request. */
    public Mono<ServerResponse> watch(ServerRequest request) {
        String upstream = request.pathVariable("upstream");
        WatchQuery query =
                WatchQuery.parse(request.queryParams(), request.headers().firstHeader("Last-Event-ID"));
        SessionTargets.Target target = targets.of(upstream, query, false);
        Scheduler streamTimer = EventStreams.timer(request, timer);
        Flux<ByteBuffer> body = Flux.using(
                        () -> hub.join(target.spec()),
                        session -> SubscriberStream.open(
                                session,
                                query.start(),
                                query.requested(),
                                target.filter(),
                                fanout.subscriberQueue(),
                                Subscribers.describe(request, "eventsource"),
                                EventStreams.eventLoop(request),
                                fanout.heartbeatInterval(),
                                streamTimer,
                                EventStreams.flusher(request)),
                        hub::leave)
                .<ByteBuffer>handle((item, sink) -> {
                    ByteBuffer frame = frames.render(item);
                    if (frame != null) {
                        sink.next(frame);
                    }
                })
                .startWith(ByteBuffer.wrap(EventStreamFrames.retry(fanout.retry())));
        return EventStreams.respond(request, body, streamTimer, fanout.laggedCloseTimeout());
    }

    /**
     * The session a query names on an upstream.
     *
     * @throws GatewayException 404 for an unknown upstream, 400 for a bad query
     */
    public SessionSpec session(String upstream, WatchQuery query, boolean pinned) {
        return targets.of(upstream, query, pinned).spec();
    }
}
