package io.watchgate.core.protocol;

import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request that opens an upstream stream.
 *
 * @param method {@code GET} or {@code POST}
 * @param uri the full URI
 * @param headers protocol headers (auth headers are added by the session)
 * @param body the JSON body, or {@code null}
 */
public record UpstreamCall(
        String method,
        URI uri,
        Map<String, String> headers,
        @Nullable String body) {

    /** Copies the headers. */
    public UpstreamCall {
        headers = Map.copyOf(headers);
    }
}
