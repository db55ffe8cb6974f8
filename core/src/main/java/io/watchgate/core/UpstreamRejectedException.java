package io.watchgate.core;

import org.jspecify.annotations.Nullable;

/**
 * The upstream refused the watch with a status that retrying cannot fix: 400, 403, 404, other
 * 4xx, a 401 without an auth provider, or a second 401 after refreshing credentials.
 */
public final class UpstreamRejectedException extends WatchException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String body;
    private final @Nullable String requestId;

    /**
     * A rejection.
     *
     * @param status the HTTP status
     * @param body the response body (truncated to a few KiB)
     * @param requestId the upstream's {@code X-Request-ID}, when it sent one
     * @param message what happened
     */
    public UpstreamRejectedException(int status, String body, @Nullable String requestId, String message) {
        super(message + " (HTTP " + status + (requestId == null ? "" : ", request id " + requestId) + "): " + body);
        this.status = status;
        this.body = body;
        this.requestId = requestId;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The response body. */
    public String body() {
        return body;
    }

    /** The upstream's request id, or {@code null}. */
    public @Nullable String requestId() {
        return requestId;
    }
}
