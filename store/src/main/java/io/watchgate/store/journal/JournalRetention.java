package io.watchgate.store.journal;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of each session's journal is kept: entries older than {@code maxAge} and all but the
 * newest {@code maxEntries} are purged, {@code batchSize} entries per statement so a purge never
 * holds long locks or builds a large transaction.
 *
 * @param maxAge how long an entry is kept after it was journaled
 * @param maxEntries how many entries are kept per session
 * @param batchSize the most entries one purge statement deletes
 */
public record JournalRetention(Duration maxAge, long maxEntries, int batchSize) {

    /** 24 hours, 100,000 entries per session, purged 5,000 at a time. */
    public static final JournalRetention DEFAULT = new JournalRetention(Duration.ofHours(24), 100_000, 5_000);

    /** Validates the limits. */
    public JournalRetention {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("retention age must be positive: " + maxAge);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("retention must keep at least 1 entry: " + maxEntries);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("purge batch size must be >= 1: " + batchSize);
        }
    }
}
