package io.watchgate.gateway.aviso;

import io.watchgate.core.Upstream;
import io.watchgate.gateway.config.WatchgateProperties;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.hub.StartPoint;
import io.watchgate.gateway.hub.StreamItem;
import io.watchgate.gateway.hub.SubscriberStream;
import io.watchgate.gateway.sse.EventStreams;
import io.watchgate.gateway.upstream.RemoteUpstream;
import io.watchgate.gateway.upstream.UpstreamClients;
import io.watchgate.gateway.watch.WatchHandler;
import io.watchgate.gateway.watch.WatchQuery;
import io.watchgate.gateway.web.GatewayException;
import io.watchgate.gateway.web.RequestIds;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/watch} and {@code POST /api/v1/replay} with aviso-server's body and wire
 * format, served from the same sessions and journal as {@code GET /watch}: existing aviso clients
 * can point at the gateway unchanged. The body may name the gateway upstream ({@code "upstream"});
 * by default it is the only aviso upstream configured, or the local origin when there is none.
 */
public final class AvisoStreamHandler {

    private final SessionHub hub;
    private final UpstreamClients upstreams;
    private final WatchHandler sessions;
    private final WatchgateProperties.Fanout fanout;
    private final JsonMapper json;
    private final Clock clock;
    private final Scheduler timer;

    /** Creates the handler. */
    public AvisoStreamHandler(
            SessionHub hub,
            UpstreamClients upstreams,
            WatchHandler sessions,
            WatchgateProperties.Fanout fanout,
            JsonMapper json,
            Clock clock,
            Scheduler timer) {
        this.hub = hub;
        this.upstreams = upstreams;
        this.sessions = sessions;
        this.fanout = fanout;
        this.json = json;
        this.clock = clock;
        this.timer = timer;
    }

    /** {@code POST /api/v1/watch}. */
    public Mono<ServerResponse> watch(ServerRequest request) {
        return stream(request, false);
    }

    /** {@code POST /api/v1/replay}. */
    public Mono<ServerResponse> replay(ServerRequest request) {
        return stream(request, true);
    }

    private Mono<ServerResponse> stream(ServerRequest request, boolean replayOnly) {
        String code = replayOnly ? "INVALID_REPLAY_REQUEST" : "INVALID_WATCH_REQUEST";
        return request.bodyToMono(byte[].class).defaultIfEmpty(new byte[0]).flatMap(bytes -> {
            AvisoBody body = AvisoBody.parse(bytes, json);
            if (body.fromId() != null && body.fromDate() != null) {
                throw GatewayException.badRequest(code, "from_id and from_date are mutually exclusive");
            }
            if (replayOnly && body.fromId() == null && body.fromDate() == null) {
                throw GatewayException.badRequest(code, "replay requires from_id or from_date");
            }
            WatchQuery query;
            try {
                query = WatchQuery.parse(parameters(body), null);
            } catch (GatewayException e) {
                throw GatewayException.badRequest(code, e.getMessage());
            }
            String upstream = upstream(body.upstream());
            String requestId = RequestIds.of(request.exchange());
            AvisoFrames frames = new AvisoFrames(json, topic(body), requestId, clock);
            Flux<byte[]> items = Flux.using(
                            () -> hub.join(sessions.session(upstream, query, false)),
                            session -> SubscriberStream.open(
                                    session,
                                    query.start(),
                                    query.requested(),
                                    sessions.filter(upstream, query),
                                    fanout.subscriberQueue()),
                            hub::leave)
                    .takeUntil(item -> replayOnly && item instanceof StreamItem.ReplayCompleted)
                    .concatMap(item -> Mono.justOrEmpty(frames.render(item)));
            Flux<byte[]> frameFlux;
            if (query.start() instanceof StartPoint.Live) {
                frameFlux = Flux.concat(Flux.just(frames.connectionEstablished(), frames.heartbeat()), items);
            } else {
                Flux<byte[]> started = Flux.just(frames.replayStarted(body.fromId(), body.fromDate()));
                Flux<byte[]> ending = replayOnly
                        ? Flux.defer(() -> Flux.just(frames.closing("end_of_stream", "Stream completed")))
                        : Flux.empty();
                frameFlux = replayOnly
                        ? Flux.concat(started, items, ending)
                        : Flux.concat(started, Flux.just(frames.heartbeat()), items);
            }
            Duration interval = replayOnly ? Duration.ofDays(365) : fanout.heartbeatInterval();
            return EventStreams.respond(
                    request, frameFlux, interval, frames::heartbeat, timer, fanout.laggedCloseTimeout());
        });
    }

    /** The gateway upstream the body names, or the default one. */
    private String upstream(@Nullable String named) {
        if (named != null) {
            if (!named.equals(WatchgateProperties.LOCAL)) {
                RemoteUpstream remote = upstreams
                        .find(named)
                        .orElseThrow(() ->
                                GatewayException.notFound("UNKNOWN_UPSTREAM", "no upstream named '" + named + "'"));
                if (remote.protocol() != Upstream.Protocol.AVISO) {
                    throw GatewayException.badRequest(
                            "INVALID_REQUEST_SHAPE", "upstream '" + named + "' is not an aviso upstream");
                }
            }
            return named;
        }
        List<String> aviso = upstreams.all().values().stream()
                .filter(remote -> remote.protocol() == Upstream.Protocol.AVISO)
                .map(RemoteUpstream::name)
                .toList();
        if (aviso.size() > 1) {
            throw GatewayException.badRequest(
                    "INVALID_REQUEST_SHAPE", "several aviso upstreams are configured: name one in \"upstream\"");
        }
        return aviso.isEmpty() ? WatchgateProperties.LOCAL : aviso.get(0);
    }

    /** The body as {@code GET /watch} parameters: {@code field=value}, {@code field[op]=a,b}. */
    private static MultiValueMap<String, String> parameters(AvisoBody body) {
        MultiValueMap<String, String> parameters = new LinkedMultiValueMap<>();
        parameters.add("event_type", body.eventType());
        if (body.fromId() != null) {
            parameters.add("from_id", body.fromId());
        }
        if (body.fromDate() != null) {
            parameters.add("from_date", body.fromDate());
        }
        body.identifier().forEach((field, value) -> {
            if (value.isValueNode()) {
                parameters.add(field, value.asString());
                return;
            }
            if (value.size() != 1) {
                throw GatewayException.badRequest(
                        "INVALID_REQUEST_SHAPE", "identifier." + field + " must hold exactly one operator");
            }
            Map.Entry<String, JsonNode> constraint =
                    value.properties().iterator().next();
            JsonNode operand = constraint.getValue();
            StringJoiner values = new StringJoiner(",");
            if (operand.isArray()) {
                operand.forEach(element -> values.add(element.asString()));
            } else {
                values.add(operand.asString());
            }
            parameters.add(field + "[" + constraint.getKey() + "]", values.toString());
        });
        return parameters;
    }

    /** aviso's watch pattern for display: the event type and the filtered values, dot-separated. */
    private static String topic(AvisoBody body) {
        StringJoiner topic = new StringJoiner(".");
        topic.add(body.eventType());
        new TreeMap<>(body.identifier())
                .forEach((field, value) -> topic.add(value.isValueNode() ? value.asString() : "*"));
        return topic.toString();
    }

    static String timestamp(Instant now) {
        return now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }
}
