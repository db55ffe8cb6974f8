package io.watchgate.core.session;

import io.watchgate.core.Notification;
import io.watchgate.core.Start;
import io.watchgate.core.WatchException;
import io.watchgate.core.cursor.Checkpoint;
import java.time.Duration;

/**
 * What the supervisor must do after a {@link SessionMachine} step: the machine's outputs.
 *
 * <p>{@link Deliver} and {@link Continue} keep the current connection; every other action ends it
 * (if one is open) and is performed next.
 */
public sealed interface SessionAction {

    /** Whether this action ends the connection that is open. */
    default boolean endsConnection() {
        return true;
    }

    /** Open a connection from this start. */
    record Connect(Start start) implements SessionAction {}

    /** Wait, then feed {@link SessionEvent.BackoffElapsed}. */
    record Await(Duration delay) implements SessionAction {}

    /** Ask the auth provider to refresh, then feed the outcome. */
    record RefreshAuth() implements SessionAction {}

    /** Hand this notification to the subscriber; commit {@code checkpoint} once it was received. */
    record Deliver(Notification notification, Checkpoint checkpoint) implements SessionAction {
        @Override
        public boolean endsConnection() {
            return false;
        }
    }

    /** Nothing to do; keep reading. */
    enum Continue implements SessionAction {
        /** The only value. */
        INSTANCE;

        @Override
        public boolean endsConnection() {
            return false;
        }
    }

    /** Complete the session's Flux. */
    record Finish() implements SessionAction {}

    /** Fail the session's Flux with this error. */
    record Fail(WatchException error) implements SessionAction {}
}
