package io.watchgate.core;

import io.watchgate.core.cursor.Checkpoint;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A point-in-time view of a watch session.
 *
 * @param sessionKey the session key
 * @param state the current state
 * @param position the last notification handed to the subscriber, or {@code null}
 * @param committed the last checkpoint the cursor store accepted, or {@code null}
 * @param attempt consecutive failed attempts
 * @param lastError the last error or incident, or {@code null}
 * @param lastEventTime when the last notification arrived, or {@code null}
 * @param counters running totals
 */
public record SessionSnapshot(
        String sessionKey,
        SessionState state,
        @Nullable Checkpoint position,
        @Nullable Checkpoint committed,
        int attempt,
        @Nullable String lastError,
        @Nullable Instant lastEventTime,
        Counters counters) {

    /**
     * Running totals of a session.
     *
     * @param delivered notifications handed to the subscriber
     * @param duplicates notifications dropped because they were at or below the last delivered
     *     sequence within a connection
     * @param gaps forward jumps in the sequence
     * @param resets upstream sequence resets
     * @param malformed frames that could not be decoded and were skipped
     * @param connections connections opened (HTTP 200)
     */
    public record Counters(long delivered, long duplicates, long gaps, long resets, long malformed, long connections) {
        /** All zero. */
        public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0);

        /** One more delivered notification. */
        public Counters plusDelivered() {
            return new Counters(delivered + 1, duplicates, gaps, resets, malformed, connections);
        }

        /** One more dropped duplicate. */
        public Counters plusDuplicate() {
            return new Counters(delivered, duplicates + 1, gaps, resets, malformed, connections);
        }

        /** One more gap. */
        public Counters plusGap() {
            return new Counters(delivered, duplicates, gaps + 1, resets, malformed, connections);
        }

        /** One more upstream reset. */
        public Counters plusReset() {
            return new Counters(delivered, duplicates, gaps, resets + 1, malformed, connections);
        }

        /** One more malformed frame. */
        public Counters plusMalformed() {
            return new Counters(delivered, duplicates, gaps, resets, malformed + 1, connections);
        }

        /** One more opened connection. */
        public Counters plusConnection() {
            return new Counters(delivered, duplicates, gaps, resets, malformed, connections + 1);
        }
    }
}
