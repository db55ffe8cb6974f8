package io.watchgate.store.sql;

/**
 * The SQL that differs between PostgreSQL and H2, and how each must be called. Everything else the
 * store says is standard SQL that both accept.
 *
 * <p>The difference is the upsert: PostgreSQL has {@code INSERT ... ON CONFLICT}, H2 the standard
 * {@code MERGE INTO ... USING}. Both upserts of a cursor only change a stored row when the new
 * position is ahead of it, by the same rule as {@link io.watchgate.core.cursor.Checkpoint#isAheadOf}:
 * a later epoch; or the same epoch and a higher sequence; or, where either has no sequence, a
 * different cursor.
 */
public enum Dialect {

    /** PostgreSQL through r2dbc-postgresql: non-blocking, called on any thread. */
    POSTGRESQL("postgresql", """
            INSERT INTO journal_session (session_key, head_offset, epoch, updated_at)
            VALUES ($1, 0, 0, $2)
            ON CONFLICT (session_key) DO NOTHING""", """
            INSERT INTO watch_session AS t
                (session_key, upstream_cursor, upstream_sequence, epoch, updated_at)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (session_key) DO UPDATE SET
                upstream_cursor = EXCLUDED.upstream_cursor,
                upstream_sequence = EXCLUDED.upstream_sequence,
                epoch = EXCLUDED.epoch,
                updated_at = EXCLUDED.updated_at
            WHERE """ + Dialect.aheadOf("t", "EXCLUDED")),

    /**
     * H2 through r2dbc-h2, which blocks on file I/O: every call is moved to threads that are never
     * interrupted ({@link UninterruptibleScheduler}).
     */
    H2("h2", """
            MERGE INTO journal_session t
            USING (VALUES (CAST($1 AS VARCHAR(200)), CAST($2 AS TIMESTAMP WITH TIME ZONE)))
                AS s (session_key, updated_at)
            ON t.session_key = s.session_key
            WHEN NOT MATCHED THEN INSERT (session_key, head_offset, epoch, updated_at)
                VALUES (s.session_key, 0, 0, s.updated_at)""", """
            MERGE INTO watch_session t
            USING (VALUES (CAST($1 AS VARCHAR(200)), CAST($2 AS VARCHAR), CAST($3 AS BIGINT),
                           CAST($4 AS BIGINT), CAST($5 AS TIMESTAMP WITH TIME ZONE)))
                AS s (session_key, upstream_cursor, upstream_sequence, epoch, updated_at)
            ON t.session_key = s.session_key
            WHEN MATCHED AND """ + Dialect.aheadOf("t", "s") + """

            THEN UPDATE SET
                upstream_cursor = s.upstream_cursor,
                upstream_sequence = s.upstream_sequence,
                epoch = s.epoch,
                updated_at = s.updated_at
            WHEN NOT MATCHED THEN INSERT
                (session_key, upstream_cursor, upstream_sequence, epoch, updated_at)
                VALUES (s.session_key, s.upstream_cursor, s.upstream_sequence, s.epoch, s.updated_at)""");

    private final String vendor;
    private final String ensureSession;
    private final String commitCursor;

    Dialect(String vendor, String ensureSession, String commitCursor) {
        this.vendor = vendor;
        this.ensureSession = ensureSession;
        this.commitCursor = commitCursor;
    }

    /** The vendor name, as in URLs and in the Flyway location {@code db/migration/{vendor}}. */
    public String vendor() {
        return vendor;
    }

    /**
     * Creates a session's journal row ({@code journal_session}) unless it exists. Binds: {@code $1} session key, {@code $2} time. On
     * H2 two racing creators may see a duplicate-key error: the row exists, which is all the caller
     * wanted.
     */
    public String ensureSessionSql() {
        return ensureSession;
    }

    /**
     * Stores a session's committed cursor ({@code watch_session}) unless the stored one is not behind it; one row changed means stored. Binds:
     * {@code $1} session key, {@code $2} cursor, {@code $3} sequence (nullable), {@code $4} epoch,
     * {@code $5} time.
     */
    public String commitCursorSql() {
        return commitCursor;
    }

    /** Whether the driver blocks, so that calls must run on threads of their own. */
    public boolean blocking() {
        return this == H2;
    }

    /** The position of {@code next} is ahead of the stored one in {@code stored} (SQL aliases). */
    private static String aheadOf(String stored, String next) {
        String t = stored + ".";
        String s = next + ".";
        return "(" + t + "upstream_cursor IS NULL"
                + " OR " + t + "epoch < " + s + "epoch"
                + " OR (" + t + "epoch = " + s + "epoch AND ("
                + t + "upstream_sequence < " + s + "upstream_sequence"
                + " OR ((" + t + "upstream_sequence IS NULL OR " + s + "upstream_sequence IS NULL)"
                + " AND " + t + "upstream_cursor <> " + s + "upstream_cursor))))";
    }
}
