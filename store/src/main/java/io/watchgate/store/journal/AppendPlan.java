package io.watchgate.store.journal;

import io.watchgate.core.cursor.Checkpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What an append writes, worked out without I/O from the locked session row, the batch and which
 * of the batch's numbered notifications the journal already holds. A numbered notification (one
 * with an upstream sequence) that is journaled already, or repeated in the batch, adds nothing; an
 * unnumbered one (an SSE event without a numeric id of its own) is always added, since nothing
 * tells it apart from a new event.
 *
 * @param entries the new entries, numbered from the session's newest offset + 1
 * @param duplicates how many records add nothing
 * @param newestOffset the session's newest offset afterwards
 * @param cursor the upstream position to store, or {@code null} to keep the stored one
 */
record AppendPlan(
        List<JournalEntry> entries,
        int duplicates,
        long newestOffset,
        @Nullable Checkpoint cursor) {

    /**
     * Identifies a journaled notification: its upstream sequence within an epoch (an upstream that
     * reset its numbering reuses sequences in the next epoch). Unnumbered notifications have none.
     */
    record Key(long epoch, long sequence) {
        static @Nullable Key of(JournalRecord record) {
            OptionalLong sequence = record.notification().sequence();
            return sequence.isPresent() ? new Key(record.position().epoch(), sequence.getAsLong()) : null;
        }
    }

    static AppendPlan of(SessionHead head, List<JournalRecord> records, Set<Key> journaled, Instant now) {
        List<JournalEntry> entries = new ArrayList<>(records.size());
        Set<Key> seen = new HashSet<>(journaled);
        long offset = head.newestOffset();
        for (JournalRecord record : records) {
            Key key = Key.of(record);
            if (key == null || seen.add(key)) {
                entries.add(new JournalEntry(
                        ++offset, record.position().epoch(), now, JournalRows.stored(record.notification())));
            }
        }
        Checkpoint cursor = null;
        if (!records.isEmpty()) {
            Checkpoint last = records.getLast().position();
            if (head.cursor() == null || last.isAheadOf(head.cursor())) {
                cursor = last;
            }
        }
        return new AppendPlan(entries, records.size() - entries.size(), offset, cursor);
    }

    /** Whether the session's row changes. */
    boolean changesSession() {
        return !entries.isEmpty() || cursor != null;
    }

    AppendResult result() {
        return new AppendResult(entries, duplicates, newestOffset, cursor != null);
    }
}
