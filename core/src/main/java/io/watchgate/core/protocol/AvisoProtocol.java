package io.watchgate.core.protocol;

import io.watchgate.core.IdentifierFilter;
import io.watchgate.core.Notification;
import io.watchgate.core.Start;
import io.watchgate.core.WatchMode;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.session.SessionEvent;
import io.watchgate.core.session.SessionEvent.Control;
import io.watchgate.core.session.SessionEvent.ControlKind;
import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.sse.SseFrame;
import io.watchgate.core.sse.SseMalformed;
import io.watchgate.core.sse.SseRetry;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ECMWF aviso-server (see {@code aviso-protocol.md}): {@code POST {base}/api/v1/watch} or {@code
 * /replay} with a JSON body; notifications are CloudEvents under {@code live-notification} or
 * {@code replay}, told apart from control frames by their {@code specversion} key; the sequence is
 * the part of the CloudEvent {@code id} after its last {@code @}; the stream ends with {@code
 * connection-closing}.
 */
public final class AvisoProtocol implements UpstreamProtocol {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final Pattern SEQUENCE = Pattern.compile("[0-9]{1,19}");
    private static final java.util.Set<String> DECODED_EVENTS =
            java.util.Set.of("live-notification", "replay", "replay-control", "error", "connection-closing");

    private final String baseUrl;

    /** An aviso-server at this base URL (no trailing slash). */
    public AvisoProtocol(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    @Override
    public void validate(WatchRequest request) {
        if (!(request instanceof WatchRequest.AvisoRequest)) {
            throw new IllegalArgumentException(
                    "an aviso upstream needs WatchRequest.aviso(eventType), not " + request.canonical());
        }
    }

    @Override
    public UpstreamCall call(WatchRequest request, Start start) {
        WatchRequest.AvisoRequest aviso = (WatchRequest.AvisoRequest) request;
        ObjectNode body = JSON.createObjectNode();
        body.put("event_type", aviso.eventType());
        ObjectNode identifier = body.putObject("identifier");
        aviso.identifier().forEach((field, filter) -> putFilter(identifier, field, filter));
        switch (start) {
            case Start.Live live -> {}
            case Start.FromSequence from -> body.put("from_id", Long.toString(from.sequence()));
            case Start.FromDate from -> body.put("from_date", from.time().toString());
            case Start.After after -> body.put("from_id", Long.toString(sequenceOf(after) + 1));
        }
        String path = aviso.mode() == WatchMode.REPLAY_ONLY ? "/api/v1/replay" : "/api/v1/watch";
        return new UpstreamCall(
                "POST",
                URI.create(baseUrl + path),
                Map.of("Content-Type", "application/json", "Accept", "text/event-stream"),
                JSON.writeValueAsString(body));
    }

    @Override
    public void decode(SseFrame frame, Consumer<SessionEvent> out) {
        switch (frame) {
            case SseEvent event -> decodeEvent(event, out);
            case SseMalformed malformed ->
                out.accept(new SessionEvent.Malformed(
                        malformed.kind().name().toLowerCase(java.util.Locale.ROOT), malformed.detail()));
            case SseRetry retry -> {}
            default -> {}
        }
    }

    @Override
    public boolean announcesReplay() {
        return true;
    }

    private static void decodeEvent(SseEvent event, Consumer<SessionEvent> out) {
        String name = event.type();
        if (!DECODED_EVENTS.contains(name)) {
            // heartbeats, and event names this client does not know (a newer server): nothing to do,
            // whatever their data
            return;
        }
        JsonNode data;
        try {
            data = JSON.readTree(event.data());
        } catch (JacksonException e) {
            out.accept(new SessionEvent.Malformed("bad_json", "event '" + name + "': " + e.getOriginalMessage()));
            return;
        }
        if (!(data instanceof ObjectNode)) {
            out.accept(new SessionEvent.Malformed("bad_json", "event '" + name + "': data is not a JSON object"));
            return;
        }
        switch (name) {
            case "live-notification", "replay" -> {
                if (data.has("specversion")) {
                    out.accept(notification(data, event.data()));
                } else if ("connection_established".equals(text(data, "type"))) {
                    out.accept(new Control(ControlKind.LIVE_STARTED));
                }
            }
            case "replay-control" -> {
                String type = text(data, "type");
                if ("replay_started".equals(type)) {
                    out.accept(new Control(ControlKind.REPLAY_STARTED));
                } else if ("replay_completed".equals(type)) {
                    out.accept(new Control(ControlKind.REPLAY_COMPLETED));
                } else if ("notification_replay_limit_reached".equals(type)) {
                    out.accept(new SessionEvent.UpstreamError("replay limit reached: " + text(data, "message")));
                }
            }
            case "error" ->
                out.accept(new SessionEvent.UpstreamError(text(data, "error") + ": " + text(data, "message")));
            case "connection-closing" -> {
                String reason = text(data, "reason");
                out.accept(new SessionEvent.ServerClosing(reason == null ? "unknown" : reason));
            }
            default -> {}
        }
    }

    private static SessionEvent notification(JsonNode cloudEvent, String raw) {
        String id = text(cloudEvent, "id");
        int at = id == null ? -1 : id.lastIndexOf('@');
        long sequence;
        try {
            if (id == null || at < 0) {
                throw new NumberFormatException("no '@'");
            }
            String digits = id.substring(at + 1);
            if (!SEQUENCE.matcher(digits).matches()) {
                // Long.parseLong would also take "-5", "+5" and non-ASCII digits
                throw new NumberFormatException("not a decimal sequence: " + digits);
            }
            sequence = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return new SessionEvent.Malformed("bad_id", "CloudEvent id '" + id + "' has no numeric sequence after '@'");
        }
        String eventType = id.substring(0, at);
        Instant time = null;
        String timeText = text(cloudEvent, "time");
        if (timeText != null) {
            try {
                time = Instant.parse(timeText);
            } catch (DateTimeParseException e) {
                time = null;
            }
        }
        Map<String, String> identifier = new LinkedHashMap<>();
        JsonNode data = cloudEvent.get("data");
        String payload = null;
        if (data != null && data.isObject()) {
            JsonNode fields = data.get("identifier");
            if (fields != null && fields.isObject()) {
                for (Map.Entry<String, JsonNode> field : fields.properties()) {
                    JsonNode value = field.getValue();
                    identifier.put(field.getKey(), value.isString() ? value.asString() : value.toString());
                }
            }
            JsonNode payloadNode = data.get("payload");
            if (payloadNode != null && !payloadNode.isNull()) {
                payload = payloadNode.toString();
            }
        }
        return new SessionEvent.Received(
                new Notification(id, OptionalLong.of(sequence), eventType, time, identifier, payload, raw));
    }

    private static @Nullable String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.isString() ? value.asString() : value.toString();
    }

    private static long sequenceOf(Start.After after) {
        OptionalLong sequence = after.checkpoint().sequence();
        if (sequence.isPresent()) {
            return sequence.getAsLong();
        }
        String cursor = after.checkpoint().cursor();
        return Long.parseLong(cursor.substring(cursor.lastIndexOf('@') + 1));
    }

    private static void putFilter(ObjectNode identifier, String field, IdentifierFilter filter) {
        switch (filter) {
            case IdentifierFilter.Exact exact -> identifier.put(field, exact.value());
            case IdentifierFilter.Constraint constraint -> {
                ObjectNode object = identifier.putObject(field);
                String op = constraint.operator().wireName();
                switch (constraint.operator()) {
                    case IN, BETWEEN -> {
                        ArrayNode values = object.putArray(op);
                        constraint.values().forEach(v -> addScalar(values, v));
                    }
                    default -> {
                        ArrayNode one = JSON.createArrayNode();
                        addScalar(one, constraint.values().getFirst());
                        object.set(op, one.get(0));
                    }
                }
            }
        }
    }

    private static void addScalar(ArrayNode array, String value) {
        if (NUMBER.matcher(value).matches()) {
            array.add(new java.math.BigDecimal(value));
        } else {
            array.add(value);
        }
    }
}
