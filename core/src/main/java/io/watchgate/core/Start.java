package io.watchgate.core;

import io.watchgate.core.cursor.Checkpoint;
import java.time.Instant;
import java.util.Objects;

/**
 * Where a watch session starts reading the upstream stream.
 *
 * <p>An explicit start in the {@link WatchRequest} wins; otherwise a session resumes {@link After
 * after} the checkpoint of its cursor store; otherwise it starts {@link Live live}.
 */
public sealed interface Start {

    /** Only notifications published from now on (aviso: no {@code from_*}). */
    static Start live() {
        return Live.INSTANCE;
    }

    /** From this sequence, inclusive (aviso {@code from_id}). */
    static Start fromSequence(long sequence) {
        return new FromSequence(sequence);
    }

    /** From this time, inclusive (aviso {@code from_date}). Only bootstraps the first connection. */
    static Start fromDate(Instant time) {
        return new FromDate(time);
    }

    /** Everything after this checkpoint (aviso {@code from_id = sequence + 1}; SSE {@code Last-Event-ID}). */
    static Start after(Checkpoint checkpoint) {
        return new After(checkpoint);
    }

    /** Live only: no history. */
    enum Live implements Start {
        /** The only value. */
        INSTANCE
    }

    /**
     * From a sequence, inclusive.
     *
     * @param sequence the first sequence wanted, {@code >= 0} ({@code 0}: everything aviso keeps)
     */
    record FromSequence(long sequence) implements Start {
        /** Validates the sequence. */
        public FromSequence {
            if (sequence < 0) {
                throw new IllegalArgumentException("sequence must be >= 0: " + sequence);
            }
        }
    }

    /**
     * From a time, inclusive.
     *
     * @param time the earliest storage time wanted
     */
    record FromDate(Instant time) implements Start {
        /** Validates the time. */
        public FromDate {
            Objects.requireNonNull(time, "time");
        }
    }

    /**
     * After a position that was already delivered.
     *
     * @param checkpoint the last delivered position
     */
    record After(Checkpoint checkpoint) implements Start {
        /** Validates the checkpoint. */
        public After {
            Objects.requireNonNull(checkpoint, "checkpoint");
        }
    }
}
