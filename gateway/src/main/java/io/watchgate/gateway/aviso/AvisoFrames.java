package io.watchgate.gateway.aviso;

import io.watchgate.gateway.hub.StreamItem;
import io.watchgate.gateway.sse.EventStreamFrames;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * aviso-server's frames ({@code event: <name>\ndata: <compact JSON>\n\n}, control objects with
 * their keys in alphabetical order and whole-second UTC timestamps) for one stream.
 */
final class AvisoFrames {

    private static final int BATCH_SIZE = 100;

    private final JsonMapper json;
    private final String topic;
    private final String requestId;
    private final Clock clock;

    AvisoFrames(JsonMapper json, String topic, String requestId, Clock clock) {
        this.json = json;
        this.topic = topic;
        this.requestId = requestId;
        this.clock = clock;
    }

    /** The frame of a stream item; status and reset events have no aviso equivalent. */
    byte @Nullable [] render(StreamItem item) {
        return switch (item) {
            case StreamItem.Event event ->
                EventStreamFrames.named(
                        event.replayed() ? "replay" : "live-notification",
                        new String(event.event().data(), StandardCharsets.UTF_8));
            case StreamItem.ReplayCompleted completed ->
                frame("replay-control", Map.of("timestamp", now(), "topic", topic, "type", "replay_completed"));
            case StreamItem.Closing closing -> closing("server_shutdown", "Server is shutting down gracefully");
            case StreamItem.Lagged lagged ->
                closing("lagged", "The client fell behind; reconnect with from_id to resume");
            case StreamItem.Status status -> null;
            case StreamItem.Reset reset -> null;
        };
    }

    byte[] connectionEstablished() {
        return frame(
                "live-notification",
                Map.of(
                        "connection_will_close_in_seconds",
                        3600,
                        "request_id",
                        requestId,
                        "timestamp",
                        now(),
                        "topic",
                        topic,
                        "type",
                        "connection_established"));
    }

    byte[] replayStarted(@Nullable String fromId, @Nullable String fromDate) {
        Map<String, @Nullable Object> body = new TreeMap<>();
        body.put("batch_size", BATCH_SIZE);
        body.put("from_date", fromDate);
        body.put(
                "from_sequence",
                fromId == null ? null : Long.parseLong(fromId.strip().replace("+", "")));
        body.put("request_id", requestId);
        body.put("timestamp", now());
        body.put("topic", topic);
        body.put("type", "replay_started");
        return EventStreamFrames.named("replay-control", json.writeValueAsString(body));
    }

    byte[] heartbeat() {
        return frame("heartbeat", Map.of("timestamp", now(), "topic", topic));
    }

    byte[] closing(String reason, String message) {
        return frame(
                "connection-closing",
                Map.of(
                        "message", message,
                        "reason", reason,
                        "request_id", requestId,
                        "timestamp", now(),
                        "topic", topic));
    }

    private byte[] frame(String event, Map<String, ?> data) {
        return EventStreamFrames.named(event, json.writeValueAsString(new TreeMap<>(data)));
    }

    private String now() {
        return AvisoStreamHandler.timestamp(clock.instant());
    }
}
