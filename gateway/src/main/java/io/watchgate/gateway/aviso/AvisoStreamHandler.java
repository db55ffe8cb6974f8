package io.watchgate.gateway.aviso;

import io.watchgate.gateway.config.WatchgateProperties;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.hub.StreamItem;
import io.watchgate.gateway.hub.SubscriberStream;
import io.watchgate.gateway.sse.EventStreams;
import io.watchgate.gateway.watch.SessionTargets;
import io.watchgate.gateway.web.RequestIds;
import io.watchgate.gateway.web.Subscribers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/watch} and {@code POST /api/v1/replay} with aviso-server's body and wire
 * format (aviso-protocol.md §1.2, §2), served from the same hub sessions and journal as {@code GET
 * /watch}: existing aviso clients can point at the gateway unchanged. The body may name the gateway
 * upstream ({@code "upstream"}); by default it is the only aviso upstream configured, or the local
 * origin when there is none.
 *
 * <p>A replay reads what the journal holds when it starts, then ends; it joins the session all the
 * same, so a new upstream session starts (from the request's start) and fills the journal for the
 * next ones. Watches end after {@link #MAX_DURATION}, as aviso's do by default, with {@code
 * max_duration_reached}.
 */
public final class AvisoStreamHandler {

    /** How long a watch stays open (aviso's default {@code connection_max_duration_sec}). */
    public static final Duration MAX_DURATION = Duration.ofHours(1);

    private static final Logger log = LoggerFactory.getLogger(AvisoStreamHandler.class);

    private final SessionHub hub;
    private final SessionTargets targets;
    private final WatchgateProperties.Fanout fanout;
    private final JsonMapper json;
    private final Clock clock;
    private final Scheduler timer;

    /** Creates the handler. */
    public AvisoStreamHandler(
            SessionHub hub,
            SessionTargets targets,
            WatchgateProperties.Fanout fanout,
            JsonMapper json,
            Clock clock,
            Scheduler timer) {
        this.hub = hub;
        this.targets = targets;
        this.fanout = fanout;
        this.json = json;
        this.clock = clock;
        this.timer = timer;
        // Jackson builds its (de)serializers on first use, under a lock: build them now, at startup,
        // so that concurrent first requests never park an event loop on it
        AvisoBody.parse("{\"event_type\":\"warm_up\",\"identifier\":{}}".getBytes(StandardCharsets.UTF_8), json);
        AvisoFrames.warmUp(json, clock);
    }

    /** {@code POST /api/v1/watch}. */
    public Mono<ServerResponse> watch(ServerRequest request) {
        return stream(request, false);
    }

    /** {@code POST /api/v1/replay}. */
    public Mono<ServerResponse> replay(ServerRequest request) {
        return stream(request, true);
    }

    private Mono<ServerResponse> stream(ServerRequest request, boolean replay) {
        return request.bodyToMono(byte[].class).defaultIfEmpty(new byte[0]).flatMap(bytes -> {
            AvisoWatch watch = AvisoWatch.of(AvisoBody.parse(bytes, json), replay);
            SessionTargets.Target target =
                    targets.aviso(watch.upstream(), watch.eventType(), watch.filters(), watch.bootstrap());
            String requestId = RequestIds.of(request.exchange());
            AvisoFrames frames = new AvisoFrames(json, watch.topic(), requestId, clock);
            Scheduler streamTimer = EventStreams.timer(request, timer);
            Flux<StreamItem> items = Flux.using(
                    () -> hub.join(target.spec()),
                    session -> SubscriberStream.open(
                            session,
                            watch.start(),
                            watch.requested(),
                            target.filter(),
                            fanout.subscriberQueue(),
                            Subscribers.describe(request, "aviso"),
                            EventStreams.eventLoop(request),
                            // a replay ends with its history: no heartbeats
                            watch.shape() == AvisoWatch.Shape.REPLAY ? null : fanout.heartbeatInterval(),
                            streamTimer,
                            EventStreams.flusher(request)),
                    hub::leave);
            Flux<byte[]> body = body(watch, frames, items, requestId, streamTimer);
            return EventStreams.respond(request, body.map(ByteBuffer::wrap), streamTimer, fanout.laggedCloseTimeout());
        });
    }

    /**
     * The frames of one stream, in aviso's order (§2.4, §2.7): the opening control frame (and, on a
     * watch, the first heartbeat at once), the items, then {@code connection-closing}. A failure
     * ends the body after an {@code error} frame, without {@code connection-closing}.
     */
    private Flux<byte[]> body(
            AvisoWatch watch, AvisoFrames frames, Flux<StreamItem> items, String requestId, Scheduler streamTimer) {
        Flux<byte[]> opening = switch (watch.shape()) {
            case LIVE -> Flux.just(frames.connectionEstablished(MAX_DURATION), frames.heartbeat());
            case REPLAY_THEN_LIVE ->
                Flux.just(frames.replayStarted(watch.fromSequence(), watch.fromDate()), frames.heartbeat());
            case REPLAY -> Flux.just(frames.replayStarted(watch.fromSequence(), watch.fromDate()));
        };
        Flux<StreamItem> stream = watch.shape() == AvisoWatch.Shape.REPLAY
                ? items.takeUntil(item -> item instanceof StreamItem.ReplayCompleted)
                : items;
        AtomicBoolean closed = new AtomicBoolean();
        Flux<byte[]> content = stream.<byte[]>handle((item, sink) -> {
                    byte[] frame = frames.render(item);
                    if (AvisoFrames.closes(item)) {
                        closed.set(true);
                    }
                    if (frame != null) {
                        sink.next(frame);
                    }
                })
                // the inner stream ended (a replay's history, or a session that stopped)
                .concatWith(Mono.defer(
                        () -> closed.get() ? Mono.empty() : Mono.just(frames.closing(AvisoFrames.Close.END_OF_STREAM))))
                .onErrorResume(error -> {
                    log.atWarn()
                            .addKeyValue("request_id", requestId)
                            .log("event=aviso.stream_failed request_id={} error=\"{}\"", requestId, error.toString());
                    String detail = error.getMessage();
                    return Mono.just(frames.error("Failed to stream notifications: "
                            + (detail == null ? error.getClass().getSimpleName() : detail)));
                });
        if (watch.shape() == AvisoWatch.Shape.REPLAY) {
            return Flux.concat(opening, content);
        }
        AtomicBoolean expired = new AtomicBoolean();
        return Flux.concat(opening, content)
                .takeUntilOther(Mono.delay(MAX_DURATION, streamTimer).doOnNext(tick -> expired.set(true)))
                .concatWith(Mono.defer(() -> expired.get()
                        ? Mono.just(frames.closing(AvisoFrames.Close.MAX_DURATION_REACHED))
                        : Mono.empty()));
    }
}
