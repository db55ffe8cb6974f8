package io.watchgate.core.cursor;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A session's position in its upstream stream: what a {@link CursorStore} keeps.
 *
 * <p>Positions are ordered by {@code (epoch, sequence)}: the epoch grows each time the upstream
 * resets its numbering (an in-memory aviso that restarted at 1), so a committed position after a
 * reset is ahead of every position before it although its sequence is lower. Positions without a
 * sequence (opaque SSE ids) are only ordered by epoch.
 *
 * @param cursor the opaque cursor of the last delivered notification ({@link
 *     io.watchgate.core.Notification#cursor()})
 * @param sequence its numeric sequence, where the protocol has one
 * @param epoch how many upstream resets the session has seen, {@code >= 0}
 */
public record Checkpoint(String cursor, OptionalLong sequence, long epoch) {

    /** Validates the components. */
    public Checkpoint {
        Objects.requireNonNull(cursor, "cursor");
        Objects.requireNonNull(sequence, "sequence");
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0: " + epoch);
        }
    }

    /** A checkpoint with a numeric sequence, in epoch 0. */
    public static Checkpoint of(String cursor, long sequence) {
        return new Checkpoint(cursor, OptionalLong.of(sequence), 0);
    }

    /** A checkpoint with an opaque cursor only, in epoch 0. */
    public static Checkpoint of(String cursor) {
        return new Checkpoint(cursor, OptionalLong.empty(), 0);
    }

    /**
     * Whether this position is strictly ahead of {@code other}: a later epoch, or the same epoch and
     * a higher sequence. Two positions without sequences in the same epoch are not ordered: a
     * different cursor counts as ahead, the same cursor does not.
     */
    public boolean isAheadOf(Checkpoint other) {
        if (epoch != other.epoch) {
            return epoch > other.epoch;
        }
        if (sequence.isPresent() && other.sequence.isPresent()) {
            return sequence.getAsLong() > other.sequence.getAsLong();
        }
        return !cursor.equals(other.cursor);
    }
}
