package io.watchgate.store.journal;

/**
 * The gateway offsets a session's journal holds.
 *
 * @param oldest the oldest offset kept; {@code newest + 1} when nothing is kept
 * @param newest the newest offset ever given ({@code 0} before the first append); kept even when
 *     retention has removed the entry, so offsets are never reused
 */
public record JournalBounds(long oldest, long newest) {

    /** Validates the offsets. */
    public JournalBounds {
        if (newest < 0 || oldest < 1 || oldest > newest + 1) {
            throw new IllegalArgumentException("invalid journal bounds: oldest " + oldest + ", newest " + newest);
        }
    }

    /** Whether the journal keeps no entry. */
    public boolean isEmpty() {
        return oldest > newest;
    }

    /** How many entries the journal keeps. */
    public long size() {
        return newest - oldest + 1;
    }
}
