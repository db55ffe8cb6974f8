package io.watchgate.store.journal;

import io.watchgate.core.Notification;
import java.time.Instant;
import java.util.Objects;

/**
 * A journaled notification.
 *
 * @param offset the gateway cursor: this entry's place in its session's journal, from 1, growing
 *     by one per entry and never reused
 * @param epoch the session's upstream epoch when it arrived
 * @param journaledAt when it was appended (microsecond precision)
 * @param notification the notification, with its time at microsecond precision
 */
public record JournalEntry(long offset, long epoch, Instant journaledAt, Notification notification) {

    /** Validates the components. */
    public JournalEntry {
        if (offset < 1) {
            throw new IllegalArgumentException("offset must be >= 1: " + offset);
        }
        Objects.requireNonNull(journaledAt, "journaledAt");
        Objects.requireNonNull(notification, "notification");
    }
}
