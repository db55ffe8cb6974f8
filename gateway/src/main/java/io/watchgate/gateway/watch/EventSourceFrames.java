package io.watchgate.gateway.watch;

import io.watchgate.core.SessionStatus;
import io.watchgate.gateway.hub.StreamItem;
import io.watchgate.gateway.sse.EventStreamFrames;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/** Renders stream items the way {@code GET /watch} sends them (API.md, "EventSource-friendly SSE"). */
final class EventSourceFrames {

    private final JsonMapper json;

    EventSourceFrames(JsonMapper json) {
        this.json = json;
    }

    /** The frame of an item, or {@code null} for items this format does not show. */
    @Nullable
    ByteBuffer render(StreamItem item) {
        return switch (item) {
            case StreamItem.Event event -> event.event().eventStreamFrame();
            case StreamItem.ReplayCompleted completed -> null;
            case StreamItem.Status status -> named("status", status(status.status()));
            case StreamItem.Reset reset ->
                named(
                        "reset",
                        Map.of(
                                "requested", reset.requested(),
                                "resumed_after", Long.toString(reset.oldest() - 1)));
            case StreamItem.Lagged lagged ->
                named("lagged", Map.of("last_event_id", Long.toString(lagged.lastDelivered())));
            case StreamItem.Closing closing -> named("closing", Map.of("reason", "server_shutdown"));
            case StreamItem.Heartbeat heartbeat -> ByteBuffer.wrap(EventStreamFrames.heartbeat());
        };
    }

    private static Map<String, Object> status(SessionStatus status) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", status.state().name());
        body.put("attempt", status.attempt());
        if (status.delay() != null) {
            body.put("delay_ms", status.delay().toMillis());
        }
        body.put("reason", status.reason());
        if (status.detail() != null) {
            body.put("detail", status.detail());
        }
        body.put("time", status.time().toString());
        return body;
    }

    private ByteBuffer named(String event, Map<String, ?> data) {
        return ByteBuffer.wrap(EventStreamFrames.named(event, json.writeValueAsString(data)));
    }
}
