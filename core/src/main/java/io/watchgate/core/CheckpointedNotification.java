package io.watchgate.core;

import io.watchgate.core.cursor.Checkpoint;
import java.util.Objects;

/**
 * A delivered notification together with the session's checkpoint after it: what a consumer that
 * stores notifications next to their position (a journal) needs to resume exactly there.
 *
 * @param notification the notification
 * @param checkpoint the session's position once this notification is delivered; its epoch grows
 *     when the upstream restarted its numbering (see {@link Checkpoint})
 */
public record CheckpointedNotification(Notification notification, Checkpoint checkpoint) {

    /** Validates the components. */
    public CheckpointedNotification {
        Objects.requireNonNull(notification, "notification");
        Objects.requireNonNull(checkpoint, "checkpoint");
    }
}
