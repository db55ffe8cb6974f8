package io.watchgate.gateway.hub;

import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.UpstreamRejectedException;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The last error of a session: a failed connection attempt, an upstream error, or what ended it.
 *
 * @param kind the stable event name ({@code server_error}, {@code transport_error}, {@code
 *     rejected}, ...)
 * @param message what happened
 * @param status the upstream's HTTP status, when it answered with one
 * @param time when it happened
 */
public record LastError(
        String kind, String message, @Nullable Integer status, Instant time) {

    private static final Pattern HTTP_STATUS = Pattern.compile("\\bHTTP (\\d{3})\\b");

    /** The error a status entry reports, or {@code null} when it reports none. */
    static @Nullable LastError of(SessionStatus status) {
        boolean trouble = status.state() == SessionState.BACKING_OFF
                || status.state() == SessionState.FAILED
                || status.state() == SessionState.REFRESHING_AUTH
                || status.reason().equals("malformed_frame")
                || status.reason().equals("upstream_error");
        if (!trouble) {
            return null;
        }
        String detail = status.detail() == null ? status.reason() : status.detail();
        Matcher http = HTTP_STATUS.matcher(detail);
        return new LastError(
                status.reason(), detail, http.find() ? Integer.valueOf(http.group(1)) : null, status.time());
    }

    /** The same error, with the status of the exception that ended the session when it tells one. */
    LastError withCause(Throwable cause) {
        if (status == null && cause instanceof UpstreamRejectedException rejected) {
            return new LastError(kind, message, rejected.status(), time);
        }
        return this;
    }
}
