package io.watchgate.core;

import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What one watch session asks an upstream for.
 *
 * <p>Requests are immutable values: each {@code where}/{@code from}/{@code variable} call returns a
 * new request. Two requests that ask for the same stream have the same {@link #canonical()}
 * form, whatever the order in which their filters or variables were given; the start position is
 * not part of it (the same session resumed from elsewhere is still the same session).
 */
public sealed interface WatchRequest {

    /** A watch of one aviso event type ({@code WatchRequest.aviso("mars").where("class", "od")}). */
    static AvisoRequest aviso(String eventType) {
        return new AvisoRequest(eventType, new TreeMap<>(), null, WatchMode.WATCH);
    }

    /** A watch of a generic SSE source; its URL template's variables are set with {@code variable}. */
    static SseRequest sse() {
        return new SseRequest(new TreeMap<>(), null);
    }

    /** The explicit start, or {@code null} to resume from the cursor store or start live. */
    @Nullable
    Start start();

    /** Whether the session follows live notifications or only replays history. */
    WatchMode mode();

    /**
     * The canonical form: protocol, event type, filters and variables sorted by name, mode. Stable
     * across versions; see the README ("Session keys").
     */
    String canonical();

    /**
     * A watch of one aviso event type.
     *
     * @param eventType the aviso event type (schema key), e.g. {@code mars}
     * @param identifier filters by field name
     * @param start the explicit start, or {@code null}
     * @param mode watch (replay, then live) or replay only
     */
    record AvisoRequest(
            String eventType,
            SortedMap<String, IdentifierFilter> identifier,
            @Nullable Start start,
            WatchMode mode) implements WatchRequest {

        /** Validates and copies the components. */
        public AvisoRequest {
            if (eventType.isBlank()) {
                throw new IllegalArgumentException("eventType must not be blank");
            }
            identifier = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(identifier));
            identifier.forEach((field, filter) -> {
                if (field.isBlank()) {
                    throw new IllegalArgumentException("field name must not be blank");
                }
                Objects.requireNonNull(filter, () -> "filter of field '" + field + "'");
            });
            Objects.requireNonNull(mode, "mode");
            if (start instanceof Start.After after
                    && after.checkpoint().sequence().isEmpty()) {
                throw new IllegalArgumentException("an aviso start after a checkpoint needs its sequence");
            }
            if (mode == WatchMode.REPLAY_ONLY && start instanceof Start.Live) {
                // aviso answers 400 INVALID_REPLAY_REQUEST to a /replay with neither from_id nor from_date
                throw new IllegalArgumentException(
                        "a replay-only request needs a start from history (fromSequence, fromDate or after), not"
                                + " live");
            }
        }

        /** The field must equal this scalar value. */
        public AvisoRequest where(String field, String value) {
            return where(field, IdentifierFilter.exact(value));
        }

        /** The field must equal this number. */
        public AvisoRequest where(String field, long value) {
            return where(field, IdentifierFilter.exact(Long.toString(value)));
        }

        /** The field must satisfy this filter (replaces an earlier filter on the same field). */
        public AvisoRequest where(String field, IdentifierFilter filter) {
            if (field.isBlank()) {
                throw new IllegalArgumentException("field name must not be blank");
            }
            TreeMap<String, IdentifierFilter> copy = new TreeMap<>(identifier);
            copy.put(field, Objects.requireNonNull(filter, "filter"));
            return new AvisoRequest(eventType, copy, start, mode);
        }

        /** Start from this sequence, inclusive. */
        public AvisoRequest fromSequence(long sequence) {
            return from(Start.fromSequence(sequence));
        }

        /** Start from this time, inclusive (bootstraps the first connection only). */
        public AvisoRequest fromDate(java.time.Instant time) {
            return from(Start.fromDate(time));
        }

        /** Start here ({@code null}: resume from the cursor store, else live). */
        public AvisoRequest from(@Nullable Start start) {
            return new AvisoRequest(eventType, identifier, start, mode);
        }

        /** Only replay history from the start, then complete. */
        public AvisoRequest replayOnly() {
            return new AvisoRequest(eventType, identifier, start, WatchMode.REPLAY_ONLY);
        }

        @Override
        public String canonical() {
            String filters = identifier.entrySet().stream()
                    .map(e -> Canonical.escape(e.getKey()) + e.getValue().canonical())
                    .collect(Collectors.joining("&"));
            return "aviso:" + Canonical.escape(eventType) + "?" + filters
                    + (mode == WatchMode.REPLAY_ONLY ? "#replay" : "");
        }
    }

    /**
     * A watch of a generic SSE source.
     *
     * @param variables values for the upstream URL template's {@code {name}} placeholders
     * @param start {@code null}, {@link Start.Live} or {@link Start.After} (sent as {@code
     *     Last-Event-ID})
     */
    record SseRequest(
            SortedMap<String, String> variables, @Nullable Start start) implements WatchRequest {

        /** Validates and copies the components. */
        public SseRequest {
            variables = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(variables));
            variables.forEach((name, value) -> Objects.requireNonNull(value, () -> "value of variable '" + name + "'"));
            if (start != null && !(start instanceof Start.Live) && !(start instanceof Start.After)) {
                throw new IllegalArgumentException("an SSE source can start live or after an event id, not " + start);
            }
        }

        /** Sets a URL template variable. */
        public SseRequest variable(String name, String value) {
            TreeMap<String, String> copy = new TreeMap<>(variables);
            copy.put(name, Objects.requireNonNull(value, "value"));
            return new SseRequest(copy, start);
        }

        /** Sets several URL template variables. */
        public SseRequest variables(Map<String, String> values) {
            TreeMap<String, String> copy = new TreeMap<>(variables);
            copy.putAll(values);
            return new SseRequest(copy, start);
        }

        /** Start after this event id (sent as {@code Last-Event-ID}). */
        public SseRequest afterEventId(String eventId) {
            return new SseRequest(variables, Start.after(io.watchgate.core.cursor.Checkpoint.of(eventId)));
        }

        @Override
        public WatchMode mode() {
            return WatchMode.WATCH;
        }

        @Override
        public String canonical() {
            return "sse:?"
                    + variables.entrySet().stream()
                            .map(e -> Canonical.escape(e.getKey()) + "=" + Canonical.escape(e.getValue()))
                            .collect(Collectors.joining("&"));
        }
    }
}
