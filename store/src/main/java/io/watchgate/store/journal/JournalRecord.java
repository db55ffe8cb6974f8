package io.watchgate.store.journal;

import io.watchgate.core.Notification;
import io.watchgate.core.cursor.Checkpoint;
import java.util.Objects;

/**
 * A notification to append, with the session's upstream position once it is delivered.
 *
 * @param notification what the upstream sent
 * @param position the session's checkpoint after this notification; its cursor and epoch identify
 *     the notification (re-appending the same pair adds nothing)
 */
public record JournalRecord(Notification notification, Checkpoint position) {

    /** Validates the components. */
    public JournalRecord {
        Objects.requireNonNull(notification, "notification");
        Objects.requireNonNull(position, "position");
        if (!notification.cursor().equals(position.cursor())) {
            throw new IllegalArgumentException(
                    "position " + position.cursor() + " is not the notification's cursor " + notification.cursor());
        }
    }

    /** A record of a notification in epoch 0, positioned at its own cursor and sequence. */
    public static JournalRecord of(Notification notification) {
        return new JournalRecord(notification, new Checkpoint(notification.cursor(), notification.sequence(), 0));
    }
}
