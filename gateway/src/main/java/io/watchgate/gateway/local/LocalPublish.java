package io.watchgate.gateway.local;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One notification published to the local origin.
 *
 * @param eventType the event type (the stream it belongs to)
 * @param identifier its identifier fields, as strings
 * @param payload its payload, or {@code null}
 */
public record LocalPublish(
        String eventType,
        Map<String, String> identifier,
        @Nullable JsonNode payload) {

    /** Validates and copies the components. */
    public LocalPublish {
        Objects.requireNonNull(eventType, "eventType");
        identifier = Map.copyOf(identifier);
    }
}
