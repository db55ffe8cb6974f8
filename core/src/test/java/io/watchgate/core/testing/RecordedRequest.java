package io.watchgate.core.testing;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request received by a test server, with the status it was answered with.
 *
 * @param method the HTTP method, for example {@code POST}
 * @param path the path as sent, without the query and not percent-decoded, for example {@code
 *     /api/v1/watch} or {@code /events/ch%201}
 * @param headers request headers by lowercase name (several values joined with {@code ", "})
 * @param body the raw body as UTF-8 text ({@code ""} when there is none)
 * @param json the body's top-level JSON object ({@code null} values kept, for example an explicit
 *     {@code "from_id": null}); empty when the body is not a JSON object
 * @param requestId the {@code X-Request-ID} the server answered with
 * @param status the response status (200 for an event stream that was opened)
 * @param receivedAt wall-clock time at which the server decided the response
 */
public record RecordedRequest(
        String method,
        String path,
        Map<String, String> headers,
        String body,
        Map<String, @Nullable Object> json,
        String requestId,
        int status,
        Instant receivedAt) {

    /** Copies the maps into unmodifiable ones. */
    public RecordedRequest {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        json = Collections.unmodifiableMap(new LinkedHashMap<>(json));
    }

    /** A request header by case-insensitive name, or {@code null}. */
    public @Nullable String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The {@code Authorization} header, or {@code null}. */
    public @Nullable String authorization() {
        return header("authorization");
    }

    /** The {@code Last-Event-ID} header, or {@code null}. */
    public @Nullable String lastEventId() {
        return header("last-event-id");
    }

    /** The {@code User-Agent} header, or {@code null}. */
    public @Nullable String userAgent() {
        return header("user-agent");
    }

    /** The body's {@code event_type} when it is a string, else {@code null}. */
    public @Nullable String eventType() {
        return stringField("event_type");
    }

    /** The body's {@code from_id} when it is a string, else {@code null}. */
    public @Nullable String fromId() {
        return stringField("from_id");
    }

    /** The body's {@code from_date} when it is a string, else {@code null}. */
    public @Nullable String fromDate() {
        return stringField("from_date");
    }

    private @Nullable String stringField(String name) {
        return json.get(name) instanceof String value ? value : null;
    }
}
