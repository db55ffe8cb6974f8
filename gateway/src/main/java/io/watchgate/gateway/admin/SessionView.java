package io.watchgate.gateway.admin;

import io.watchgate.gateway.hub.LastError;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * A session as {@code GET /admin/sessions} shows it. Times are ISO-8601 strings.
 *
 * @param key the session key
 * @param upstream the upstream's name ({@code local} for the built-in origin)
 * @param request the canonical request
 * @param state the session's state
 * @param pinned whether it runs without subscribers
 * @param cursor where it is, upstream and in the journal
 * @param lastNotificationTime when the last notification was journaled, or {@code null}
 * @param notificationsIn notifications received since the session started
 * @param attempts consecutive failed connection attempts
 * @param nextRetryTime when a backing-off session tries again, or {@code null}
 * @param lastError the last error, or {@code null}
 * @param subscribers connected subscribers
 * @param laggedSubscribers subscribers cut off for falling behind since the session started
 * @param journal the offsets the journal holds, or {@code null} when the store did not answer
 * @param started when the session started
 * @param counters the upstream session's running totals ({@code null} in lists and for the local origin)
 * @param transitions the most recent transitions, oldest first ({@code null} in lists)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SessionView(
        String key,
        String upstream,
        String request,
        String state,
        boolean pinned,
        Cursor cursor,
        @Nullable String lastNotificationTime,
        long notificationsIn,
        int attempts,
        @Nullable String nextRetryTime,
        @Nullable ErrorView lastError,
        int subscribers,
        long laggedSubscribers,
        @Nullable JournalView journal,
        String started,
        @Nullable CountersView counters,
        @Nullable List<TransitionView> transitions) {

    /**
     * Where a session is.
     *
     * @param upstream the upstream cursor of the last notification received, or {@code null}
     * @param committed the upstream cursor last committed to the store, or {@code null}
     * @param epoch the epoch of the upstream cursor (it grows on upstream resets and cursor moves)
     * @param gateway the newest journal offset this node wrote for the session (0 before the first)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Cursor(
            @Nullable String upstream, @Nullable String committed, long epoch, long gateway) {}

    /**
     * The last error of a session.
     *
     * @param errorClass its kind, a stable event name ({@code server_error}, ...), shown as {@code class}
     * @param message what happened
     * @param status the upstream's HTTP status, or {@code null}
     * @param time when
     */
    public record ErrorView(
            @com.fasterxml.jackson.annotation.JsonProperty("class")
            String errorClass,

            String message,
            @Nullable Integer status,
            String time) {

        static @Nullable ErrorView of(@Nullable LastError error) {
            return error == null
                    ? null
                    : new ErrorView(
                            error.kind(),
                            error.message(),
                            error.status(),
                            error.time().toString());
        }
    }

    /**
     * The journal's offsets.
     *
     * @param oldest the oldest kept, or {@code null} when empty
     * @param newest the newest written, or {@code null} when empty
     */
    public record JournalView(
            @Nullable Long oldest, @Nullable Long newest) {}

    /**
     * Running totals of the upstream session.
     *
     * @param delivered notifications received and passed on
     * @param duplicates duplicates dropped
     * @param gaps forward jumps in the sequence
     * @param resets upstream resets
     * @param malformed frames skipped
     * @param connections connections opened
     */
    public record CountersView(
            long delivered, long duplicates, long gaps, long resets, long malformed, long connections) {}
}
