package io.watchgate.gateway.aviso;

import io.watchgate.gateway.hub.StreamItem;
import io.watchgate.gateway.sse.EventStreamFrames;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * aviso-server's frames for one stream (aviso-protocol.md §2.2, §2.3): {@code event: <name>\ndata:
 * <compact JSON>\n\n}, control objects with their keys in alphabetical order and timestamps in
 * whole UTC seconds, notifications as the upstream's CloudEvent JSON unchanged.
 */
final class AvisoFrames {

    /** The {@code batch_size} reported in {@code replay_started} (aviso's default). */
    static final int BATCH_SIZE = 100;

    /** {@code connection-closing} reasons and messages, as aviso sends them. */
    enum Close {
        END_OF_STREAM("end_of_stream", "Stream completed"),
        MAX_DURATION_REACHED("max_duration_reached", "Connection reached maximum duration"),
        SERVER_SHUTDOWN("server_shutdown", "Server is shutting down gracefully"),
        /** Not aviso's: the gateway disconnects a subscriber that fell behind by more than its queue. */
        LAGGED("lagged", "The client fell behind and is disconnected; reconnect with from_id to resume");

        private final String reason;
        private final String message;

        Close(String reason, String message) {
            this.reason = reason;
            this.message = message;
        }
    }

    private final JsonMapper json;
    private final String topic;
    private final String requestId;
    private final Clock clock;
    private final Instant setup;

    /**
     * @param topic the watch pattern shown in control frames
     * @param requestId the request id
     * @param clock stamps control frames; its instant now is the stream's setup time
     */
    AvisoFrames(JsonMapper json, String topic, String requestId, Clock clock) {
        this.json = json;
        this.topic = topic;
        this.requestId = requestId;
        this.clock = clock;
        this.setup = clock.instant();
    }

    /**
     * Renders every kind of frame once: Jackson builds and caches its serializers on first use under
     * a lock, which must not be contended on an event loop.
     */
    static void warmUp(JsonMapper json, Clock clock) {
        AvisoFrames frames = new AvisoFrames(json, "warm_up", "warm_up", clock);
        frames.connectionEstablished(Duration.ofSeconds(1));
        frames.replayStarted(1L, clock.instant());
        frames.replayStarted(null, null);
        frames.replayCompleted();
        frames.heartbeat();
        frames.error("warm up");
        frames.closing(Close.END_OF_STREAM);
    }

    /**
     * The frame of a stream item, or {@code null} for items aviso has no frame for: session status
     * changes, and a reset (aviso itself replays whatever its retention still keeps, without notice:
     * gaps are normal in aviso's sequences, so a reset is not reported either).
     */
    byte @Nullable [] render(StreamItem item) {
        return switch (item) {
            case StreamItem.Event event ->
                EventStreamFrames.named(
                        event.replayed() ? "replay" : "live-notification",
                        event.event().notification().raw());
            case StreamItem.ReplayCompleted completed -> replayCompleted();
            case StreamItem.Closing closing -> closing(Close.SERVER_SHUTDOWN);
            case StreamItem.Lagged lagged -> closing(Close.LAGGED);
            case StreamItem.Status status -> null;
            case StreamItem.Reset reset -> null;
            case StreamItem.Heartbeat beat -> heartbeat();
        };
    }

    /** Whether an item ends the stream with its own {@code connection-closing}. */
    static boolean closes(StreamItem item) {
        return item instanceof StreamItem.Closing || item instanceof StreamItem.Lagged;
    }

    /** Shape A's first frame. */
    byte[] connectionEstablished(Duration maxDuration) {
        long seconds = maxDuration.toSeconds() + (maxDuration.toNanosPart() > 0 ? 1 : 0);
        return frame(
                "live-notification",
                Map.of(
                        "connection_will_close_in_seconds", seconds,
                        "request_id", requestId,
                        "timestamp", now(),
                        "topic", topic,
                        "type", "connection_established"));
    }

    /** Shapes B and C's first frame. */
    byte[] replayStarted(@Nullable Long fromSequence, @Nullable Instant fromDate) {
        Map<String, @Nullable Object> body = new TreeMap<>();
        body.put("batch_size", BATCH_SIZE);
        body.put("from_date", fromDate == null ? null : timestamp(fromDate));
        body.put("from_sequence", fromSequence);
        body.put("request_id", requestId);
        body.put("timestamp", timestamp(setup));
        body.put("topic", topic);
        body.put("type", "replay_started");
        return EventStreamFrames.named("replay-control", json.writeValueAsString(body));
    }

    /** After the last replayed event; stamped with the setup time, as aviso does. */
    byte[] replayCompleted() {
        return frame(
                "replay-control", Map.of("timestamp", timestamp(setup), "topic", topic, "type", "replay_completed"));
    }

    byte[] heartbeat() {
        return frame("heartbeat", Map.of("timestamp", now(), "topic", topic));
    }

    /** aviso's {@code stream_processing_failed}: the stream failed and ends. */
    byte[] error(String message) {
        return frame(
                "error",
                Map.of(
                        "error", "stream_processing_failed",
                        "message", message,
                        "request_id", requestId,
                        "topic", topic));
    }

    byte[] closing(Close close) {
        return frame(
                "connection-closing",
                Map.of(
                        "message",
                        close.message,
                        "reason",
                        close.reason,
                        "request_id",
                        requestId,
                        "timestamp",
                        now(),
                        "topic",
                        topic));
    }

    private byte[] frame(String event, Map<String, ?> data) {
        return EventStreamFrames.named(event, json.writeValueAsString(new TreeMap<>(data)));
    }

    private String now() {
        return timestamp(clock.instant());
    }

    /** {@code YYYY-MM-DDTHH:MM:SSZ}. */
    static String timestamp(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
