package io.watchgate.gateway.aviso;

import io.watchgate.gateway.web.GatewayException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * aviso's request body for notify, watch and replay: one JSON object with {@code event_type},
 * {@code identifier} and optionally {@code from_id}, {@code from_date}, {@code payload} (and, for
 * the gateway, {@code upstream}). Errors carry aviso's codes: {@code INVALID_JSON}, {@code
 * UNKNOWN_FIELD}, {@code INVALID_REQUEST_SHAPE}.
 *
 * @param eventType the event type
 * @param identifier the identifier: scalars (as strings) or constraint objects
 * @param fromId {@code from_id}, or {@code null}
 * @param fromDate {@code from_date}, or {@code null}
 * @param payload the payload, or {@code null} (an explicit JSON null counts as absent)
 * @param upstream the gateway upstream, or {@code null} for the default
 */
public record AvisoBody(
        String eventType,
        Map<String, JsonNode> identifier,
        @Nullable String fromId,
        @Nullable String fromDate,
        @Nullable JsonNode payload,
        @Nullable String upstream) {

    private static final Set<String> KEYS =
            Set.of("event_type", "identifier", "from_id", "from_date", "payload", "upstream");

    /** The longest event type accepted. */
    public static final int MAX_EVENT_TYPE_LENGTH = 128;

    /** Parses a body. */
    public static AvisoBody parse(byte @Nullable [] body, JsonMapper json) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : json.readTree(body);
        } catch (JacksonException e) {
            throw GatewayException.badRequest("INVALID_JSON", "the body is not valid JSON");
        }
        if (root == null || root.isMissingNode()) {
            throw GatewayException.badRequest("INVALID_JSON", "the body is empty");
        }
        if (!root.isObject()) {
            throw shape("the body must be a JSON object");
        }
        for (String key : root.propertyNames()) {
            if (!KEYS.contains(key)) {
                throw GatewayException.badRequest("UNKNOWN_FIELD", "unknown field '" + key + "'");
            }
        }
        JsonNode eventType = root.get("event_type");
        if (eventType == null || !eventType.isString()) {
            throw shape("event_type is required and must be a string");
        }
        String type = eventType.asString();
        if (!isEventType(type)) {
            throw shape("event_type must be 1 to " + MAX_EVENT_TYPE_LENGTH + " letters, digits, '_', '.', ':' or '-'");
        }
        JsonNode identifier = root.get("identifier");
        if (identifier == null || !identifier.isObject()) {
            throw shape("identifier is required and must be an object");
        }
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : identifier.properties()) {
            JsonNode value = field.getValue();
            if (value.isNull() || value.isArray()) {
                throw shape("identifier." + field.getKey() + " must be a string, number, boolean or constraint object");
            }
            fields.put(field.getKey(), value);
        }
        JsonNode payload = root.get("payload");
        return new AvisoBody(
                type,
                fields,
                optionalString(root, "from_id"),
                optionalString(root, "from_date"),
                payload == null || payload.isNull() ? null : payload,
                optionalString(root, "upstream"));
    }

    /** Whether a name is an acceptable event type: 1 to 128 letters, digits, '_', '.', ':' or '-'. */
    public static boolean isEventType(String name) {
        return name.matches("[A-Za-z0-9_.:-]{1," + MAX_EVENT_TYPE_LENGTH + "}");
    }

    /** The identifier as scalars only (notify): a constraint object is refused. */
    public Map<String, String> scalarIdentifier() {
        Map<String, String> scalars = new LinkedHashMap<>();
        identifier.forEach((field, value) -> {
            if (!value.isValueNode()) {
                throw GatewayException.badRequest(
                        "INVALID_NOTIFICATION_REQUEST", "identifier." + field + " must be a scalar to notify");
            }
            scalars.put(field, value.asString());
        });
        return scalars;
    }

    private static @Nullable String optionalString(JsonNode root, String key) {
        JsonNode value = root.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw shape(key + " must be a string");
        }
        return value.asString();
    }

    private static GatewayException shape(String message) {
        return GatewayException.badRequest("INVALID_REQUEST_SHAPE", message);
    }
}
