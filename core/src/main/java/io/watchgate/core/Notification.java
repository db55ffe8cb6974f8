package io.watchgate.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One notification received from an upstream and delivered by a watch session.
 *
 * @param cursor opaque position of this notification in the upstream stream: the CloudEvent
 *     {@code id} for aviso ({@code mars@42}), the SSE event id for a generic SSE source (empty
 *     when the source sends none)
 * @param sequence the numeric sequence where the protocol has one (aviso: the part of the id
 *     after the last {@code @}; SSE: the event id when it is a decimal number)
 * @param eventType the aviso event type ({@code mars}) or the SSE event name ({@code message})
 * @param time when the upstream stored the notification, when it says so
 * @param identifier the aviso identifier fields (string values); empty for SSE sources
 * @param payload the aviso {@code data.payload} as JSON text ({@code null} when absent); for SSE
 *     sources the event's data
 * @param raw the event's data exactly as received (for aviso the whole CloudEvent JSON), so that a
 *     gateway can forward it unchanged
 */
public record Notification(
        String cursor,
        OptionalLong sequence,
        String eventType,
        @Nullable Instant time,
        Map<String, String> identifier,
        @Nullable String payload,
        String raw) {

    /** Validates and copies the components. */
    public Notification {
        Objects.requireNonNull(cursor, "cursor");
        Objects.requireNonNull(sequence, "sequence");
        Objects.requireNonNull(eventType, "eventType");
        identifier = Map.copyOf(identifier);
        Objects.requireNonNull(raw, "raw");
    }
}
