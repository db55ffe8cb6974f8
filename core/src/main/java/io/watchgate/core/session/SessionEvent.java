package io.watchgate.core.session;

import io.watchgate.core.Notification;
import io.watchgate.core.cursor.Checkpoint;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** What happens to a watch session: the inputs of {@link SessionMachine}. */
public sealed interface SessionEvent {

    /** The cursor store answered: the stored checkpoint, or {@code null}. */
    record CheckpointLoaded(@Nullable Checkpoint checkpoint) implements SessionEvent {}

    /** The cursor store could not be read. */
    record CheckpointLoadFailed(Throwable cause) implements SessionEvent {}

    /** The upstream answered 200 and the body is streaming. */
    record Opened() implements SessionEvent {}

    /** A protocol control frame (replay started or completed, live started). */
    record Control(ControlKind kind) implements SessionEvent {}

    /** A notification arrived. */
    record Received(Notification notification) implements SessionEvent {}

    /** A frame could not be decoded and was skipped. */
    record Malformed(String kind, String detail) implements SessionEvent {}

    /** The upstream reported an error in-band (aviso {@code event: error}); the stream goes on. */
    record UpstreamError(String detail) implements SessionEvent {}

    /** The upstream asked for this reconnection delay (SSE {@code retry:}). */
    record RetryHint(Duration delay) implements SessionEvent {}

    /** The upstream announced the end of this connection (aviso {@code connection-closing}). */
    record ServerClosing(String reason) implements SessionEvent {}

    /** The connection ended without an announcement. */
    record ConnectionLost(LossReason reason, String detail) implements SessionEvent {}

    /**
     * The upstream answered with a status other than 200.
     *
     * @param status the HTTP status
     * @param retryAfter its {@code Retry-After}, when present and valid
     * @param body the response body (truncated)
     * @param requestId the upstream's {@code X-Request-ID}, or {@code null}
     */
    record Refused(
            int status,
            @Nullable Duration retryAfter,
            String body,
            @Nullable String requestId) implements SessionEvent {}

    /** The backoff delay is over. */
    record BackoffElapsed() implements SessionEvent {}

    /** The auth provider obtained fresh credentials. */
    record AuthRefreshed() implements SessionEvent {}

    /**
     * The auth provider could not provide credentials (before a connection, or when refreshing them
     * after a 401).
     *
     * @param cause what failed
     * @param permanent whether retrying cannot help (the token endpoint rejected the client with a
     *     4xx); otherwise the session backs off and tries again
     */
    record CredentialsUnavailable(Throwable cause, boolean permanent) implements SessionEvent {}

    /** The subscriber cancelled, or the session or its client was closed. */
    record Stop(String reason) implements SessionEvent {}

    /**
     * An operator asked the session to reconnect at once ({@link io.watchgate.core.WatchSession#reconnect()}):
     * drop the open connection, or cut a backoff wait or a credential refresh short, and connect
     * again after the last delivered notification, with the attempt counter reset.
     */
    record ReconnectRequested() implements SessionEvent {}

    /**
     * An operator moved the session's position ({@link
     * io.watchgate.core.WatchSession#moveCursor(Checkpoint)}): the checkpoint becomes the last
     * delivered position, its epoch the session's epoch, and the session reconnects after it at once.
     *
     * @param checkpoint the new position
     */
    record CursorMoved(Checkpoint checkpoint) implements SessionEvent {
        /** Validates the checkpoint. */
        public CursorMoved {
            Objects.requireNonNull(checkpoint, "checkpoint");
        }
    }

    /** Control frames that move a connection between replay and live. */
    enum ControlKind {
        /** aviso {@code replay_started}. */
        REPLAY_STARTED,
        /** aviso {@code replay_completed}. */
        REPLAY_COMPLETED,
        /** aviso {@code connection_established} (live-only stream). */
        LIVE_STARTED
    }

    /** How a connection was lost. */
    enum LossReason {
        /** A network error or a premature close. */
        TRANSPORT_ERROR("transport_error"),
        /** The body ended without {@code connection-closing}. */
        UNEXPECTED_EOF("unexpected_eof"),
        /** No byte arrived within the heartbeat budget. */
        HEARTBEAT_STARVED("heartbeat_starved");

        private final String eventName;

        LossReason(String eventName) {
            this.eventName = eventName;
        }

        /** The stable event name used in status and logs. */
        public String eventName() {
            return eventName;
        }
    }
}
