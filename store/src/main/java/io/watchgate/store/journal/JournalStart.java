package io.watchgate.store.journal;

import java.time.Instant;
import java.util.Objects;

/** Where a read of a journal begins. */
public sealed interface JournalStart {

    /** After the entry with this gateway offset (0: from the oldest entry kept). */
    static JournalStart after(long offset) {
        return new After(offset);
    }

    /** From the oldest entry kept. */
    static JournalStart beginning() {
        return new After(0);
    }

    /**
     * From the first entry of the latest epoch whose upstream sequence is at least {@code sequence}
     * (aviso's {@code from_id}); when there is none, from the next entry appended.
     */
    static JournalStart fromSequence(long sequence) {
        return new FromSequence(sequence);
    }

    /**
     * From the first entry whose time (the notification's own, else when it was journaled) is at
     * or after {@code time} (aviso's {@code from_date}); when there is none, from the next entry.
     */
    static JournalStart fromTime(Instant time) {
        return new FromTime(time);
    }

    /**
     * Begins after a gateway offset.
     *
     * @param offset the last offset not to read, {@code >= 0}
     */
    record After(long offset) implements JournalStart {
        /** Validates the offset. */
        public After {
            if (offset < 0) {
                throw new IllegalArgumentException("offset must be >= 0: " + offset);
            }
        }
    }

    /**
     * Begins at an upstream sequence.
     *
     * @param sequence the first sequence to read
     */
    record FromSequence(long sequence) implements JournalStart {}

    /**
     * Begins at a time.
     *
     * @param time the earliest time to read
     */
    record FromTime(Instant time) implements JournalStart {
        /** Validates the time. */
        public FromTime {
            Objects.requireNonNull(time, "time");
        }
    }
}
