package io.watchgate.gateway.local;

import io.watchgate.gateway.aviso.AvisoBody;
import io.watchgate.gateway.web.RequestIds;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/notification}: publishes to the local origin with aviso's body and answer
 * ({@code {"status":"success","request_id","processed_at"}}), once the notification is journaled.
 */
public final class NotificationHandler {

    private final LocalOrigin origin;
    private final JsonMapper json;
    private final Clock clock;

    /** Creates the handler. */
    public NotificationHandler(LocalOrigin origin, JsonMapper json, Clock clock) {
        this.origin = origin;
        this.json = json;
        this.clock = clock;
    }

    /** Handles one publication. */
    public Mono<ServerResponse> notify(ServerRequest request) {
        return request.bodyToMono(byte[].class)
                .defaultIfEmpty(new byte[0])
                .map(body -> AvisoBody.parse(body, json))
                .flatMap(body ->
                        origin.publish(new LocalPublish(body.eventType(), body.scalarIdentifier(), body.payload())))
                .flatMap(sequence -> {
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put("status", "success");
                    answer.put("request_id", RequestIds.of(request.exchange()));
                    answer.put(
                            "processed_at",
                            clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
                    return ServerResponse.ok()
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(answer);
                });
    }
}
