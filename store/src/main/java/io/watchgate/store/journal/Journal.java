package io.watchgate.store.journal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.Statement;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.store.sql.Database;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.sql.Rows;
import io.watchgate.store.sql.SessionKeys;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One session's journal: the notifications it received, each numbered by a gateway offset, kept
 * within the store's {@link JournalRetention}.
 *
 * <p>An {@link #append} is one transaction: it locks the session's journal row, skips numbered
 * notifications the journal already holds (same upstream sequence and epoch), numbers the others
 * from the newest offset + 1, and stores the batch's last position as the journal's {@link
 * #position()} unless the stored one is not behind it. So that position is never ahead of what is
 * journaled, a retried append adds nothing twice, and offsets only grow, also when retention has
 * emptied the journal. The position is the journal's own: commits to the store's {@link
 * io.watchgate.core.cursor.CursorStore} do not move it.
 *
 * <p>A {@link #read} streams the entries after a starting point in offset order, a page at a time
 * as the subscriber asks for them, each page its own short query: memory stays bounded and no
 * connection is held while a slow subscriber reads. It returns what was journaled when each page
 * was read and completes at the newest entry.
 *
 * <p>Every operation may fail with a {@link io.watchgate.store.StoreException}.
 */
public final class Journal {

    /** The most rows one insert statement carries (12 values each: under every bind limit). */
    static final int MAX_INSERT_ROWS = 256;

    private static final String LOCK_SESSION_SQL = """
            SELECT head_offset, upstream_cursor, upstream_sequence, epoch FROM journal_session
            WHERE session_key = $1 FOR UPDATE""";

    private static final String JOURNALED_SQL = """
            SELECT upstream_sequence FROM journal_entry
            WHERE session_key = $1 AND epoch = $2 AND upstream_sequence >= $3 AND upstream_sequence <= $4""";

    private static final String UPDATE_HEAD_AND_CURSOR_SQL = """
            UPDATE journal_session SET head_offset = $2, upstream_cursor = $3, upstream_sequence = $4,
                epoch = $5, updated_at = $6
            WHERE session_key = $1""";

    private static final String UPDATE_HEAD_SQL =
            "UPDATE journal_session SET head_offset = $2, updated_at = $3 WHERE session_key = $1";

    private static final String MOVE_CURSOR_SQL = """
            UPDATE journal_session SET upstream_cursor = $2, upstream_sequence = $3, epoch = $4, updated_at = $5
            WHERE session_key = $1""";

    private static final String POSITION_SQL = """
            SELECT upstream_cursor, upstream_sequence, epoch FROM journal_session
            WHERE session_key = $1 AND upstream_cursor IS NOT NULL""";

    // ordered like the primary key, so that H2 also reads a page off the index instead of sorting
    // the whole rest of the journal
    private static final String PAGE_SQL = "SELECT " + JournalRows.SELECT_COLUMNS + """
             FROM journal_entry
            WHERE session_key = $1 AND entry_offset > $2
            ORDER BY session_key, entry_offset LIMIT $3""";

    private static final String FIRST_FROM_SEQUENCE_SQL = """
            SELECT MIN(entry_offset) AS first_offset FROM journal_entry
            WHERE session_key = $1 AND upstream_sequence >= $2
              AND epoch = (SELECT MAX(epoch) FROM journal_entry WHERE session_key = $3)""";

    private static final String FIRST_FROM_TIME_SQL = """
            SELECT MIN(entry_offset) AS first_offset FROM journal_entry
            WHERE session_key = $1 AND entry_time >= $2""";

    private static final String HEAD_SQL = "SELECT head_offset FROM journal_session WHERE session_key = $1";

    private static final String BOUNDS_SQL = """
            SELECT s.head_offset,
                (SELECT MIN(j.entry_offset) FROM journal_entry j WHERE j.session_key = s.session_key)
                    AS oldest_offset
            FROM journal_session s WHERE s.session_key = $1""";

    private final Database database;
    private final String sessionKey;
    private final Clock clock;
    private final int pageSize;

    /**
     * The journal of one session.
     *
     * @param database a migrated store database
     * @param sessionKey the session key
     * @param clock the source of journal times
     * @param pageSize how many entries one read query fetches
     * @throws IllegalArgumentException for a key the store cannot hold ({@link SessionKeys#check})
     */
    public Journal(Database database, String sessionKey, Clock clock, int pageSize) {
        this.database = Objects.requireNonNull(database, "database");
        this.sessionKey = SessionKeys.check(sessionKey);
        this.clock = Objects.requireNonNull(clock, "clock");
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be >= 1: " + pageSize);
        }
        this.pageSize = pageSize;
    }

    /** The session this journal belongs to. */
    public String sessionKey() {
        return sessionKey;
    }

    /**
     * Appends a batch atomically together with the session's upstream cursor (the last record's
     * position).
     *
     * @param records notifications in the order the session delivered them
     */
    public Mono<AppendResult> append(List<JournalRecord> records) {
        List<JournalRecord> batch = List.copyOf(records);
        if (batch.isEmpty()) {
            return bounds().map(bounds -> new AppendResult(List.of(), 0, bounds.newest(), false));
        }
        return database.transaction("journal.append", connection -> appendIn(connection, batch));
    }

    /**
     * The upstream position journaled last: where a session that journals everything it receives
     * resumes. Empty when nothing was appended yet.
     */
    public Mono<Checkpoint> position() {
        return database.call(
                "journal.position",
                connection -> Rows.query(
                                connection.createStatement(POSITION_SQL).bind("$1", sessionKey), row -> {
                                    Checkpoint position = Rows.checkpoint(row);
                                    return Objects.requireNonNull(position, "position");
                                })
                        .next());
    }

    /**
     * Moves the journaled upstream position to {@code position}, where the session will resume: an
     * operator's decision. The entries stay. Like appends, it never moves the position backwards:
     * to resume from an earlier cursor, give it a higher epoch than the stored one (what the upstream
     * sends again is then journaled again, as new entries).
     *
     * @return whether the position moved ({@code false} when it is not ahead of the stored one)
     */
    public Mono<Boolean> moveCursor(Checkpoint position) {
        return database.transaction(
                "journal.move_cursor",
                connection -> lockSession(connection).flatMap(head -> {
                    if (head.cursor() != null && !position.isAheadOf(head.cursor())) {
                        return Mono.just(false);
                    }
                    Statement statement = connection
                            .createStatement(MOVE_CURSOR_SQL)
                            .bind("$1", sessionKey)
                            .bind("$2", position.cursor())
                            .bind("$4", position.epoch())
                            .bind("$5", Rows.timestamp(clock.instant()));
                    if (position.sequence().isPresent()) {
                        statement.bind("$3", position.sequence().getAsLong());
                    } else {
                        statement.bindNull("$3", Long.class);
                    }
                    return Rows.update(statement).thenReturn(true);
                }));
    }

    /** Streams the entries from {@code start} to the newest, in offset order, a page at a time. */
    public Flux<JournalEntry> read(JournalStart start) {
        return resolve(start).flatMapMany(this::readAfter);
    }

    /**
     * The offset after which a read from {@code start} begins: for an {@link JournalStart.After},
     * its offset; otherwise the offset before the first matching entry, or the newest offset when no
     * entry matches.
     */
    public Mono<Long> resolve(JournalStart start) {
        return switch (start) {
            case JournalStart.After after -> Mono.just(after.offset());
            case JournalStart.FromSequence from ->
                firstMatching(
                        "journal.resolve",
                        FIRST_FROM_SEQUENCE_SQL,
                        s -> s.bind("$1", sessionKey)
                                .bind("$2", from.sequence())
                                .bind("$3", sessionKey));
            case JournalStart.FromTime from ->
                firstMatching(
                        "journal.resolve",
                        FIRST_FROM_TIME_SQL,
                        s -> s.bind("$1", sessionKey).bind("$2", Rows.timestamp(from.time())));
        };
    }

    /** The oldest and newest offsets the journal holds. */
    public Mono<JournalBounds> bounds() {
        return database.call(
                        "journal.bounds",
                        connection -> Rows.query(
                                        connection.createStatement(BOUNDS_SQL).bind("$1", sessionKey), row -> {
                                            long newest = Rows.longValue(row, "head_offset");
                                            Long oldest = row.get("oldest_offset", Long.class);
                                            return new JournalBounds(oldest == null ? newest + 1 : oldest, newest);
                                        })
                                .next())
                .defaultIfEmpty(new JournalBounds(1, 0));
    }

    private Flux<JournalEntry> readAfter(long offset) {
        return page(offset)
                .expand(page -> page.size() < pageSize
                        ? Mono.empty()
                        : page(page.getLast().offset()))
                .concatMapIterable(Function.identity(), 1);
    }

    private Mono<List<JournalEntry>> page(long after) {
        return database.call(
                "journal.read",
                connection -> Rows.query(
                                connection
                                        .createStatement(PAGE_SQL)
                                        .bind("$1", sessionKey)
                                        .bind("$2", after)
                                        .bind("$3", pageSize),
                                JournalRows::entry)
                        .collectList());
    }

    private Mono<Long> firstMatching(String operation, String sql, Function<Statement, Statement> binds) {
        return database.call(
                operation,
                connection -> Rows.query(
                                binds.apply(connection.createStatement(sql)),
                                row -> Rows.optionalLong(row, "first_offset"))
                        .next()
                        .flatMap(first -> first.isPresent()
                                ? Mono.just(first.getAsLong() - 1)
                                : Rows.query(
                                                connection
                                                        .createStatement(HEAD_SQL)
                                                        .bind("$1", sessionKey),
                                                row -> Rows.longValue(row, "head_offset"))
                                        .next()
                                        .defaultIfEmpty(0L)));
    }

    private Mono<AppendResult> appendIn(Connection connection, List<JournalRecord> batch) {
        return lockSession(connection)
                .flatMap(head -> journaled(connection, batch).flatMap(journaled -> {
                    // taken once the row is locked: journal times follow the order of appends
                    Instant now = Rows.stored(clock.instant());
                    AppendPlan plan = AppendPlan.of(head, batch, journaled, now);
                    if (!plan.changesSession()) {
                        return Mono.just(plan.result());
                    }
                    return insert(connection, plan.entries())
                            .then(updateSession(connection, plan, now))
                            .thenReturn(plan.result());
                }));
    }

    private Mono<SessionHead> lockSession(Connection connection) {
        Mono<SessionHead> locked = Mono.defer(() -> Rows.query(
                        connection.createStatement(LOCK_SESSION_SQL).bind("$1", sessionKey),
                        row -> new SessionHead(Rows.longValue(row, "head_offset"), Rows.checkpoint(row)))
                .next());
        Mono<Void> create = Mono.defer(() -> Rows.update(connection
                                .createStatement(database.dialect().ensureSessionSql())
                                .bind("$1", sessionKey)
                                .bind("$2", Rows.timestamp(clock.instant())))
                        // A racing appender created it first: the row exists, which is all we need.
                        .onErrorResume(R2dbcDataIntegrityViolationException.class, duplicate -> Mono.empty()))
                .then();
        return locked.switchIfEmpty(create.then(locked))
                .switchIfEmpty(
                        Mono.error(() -> new IllegalStateException("journal row of " + sessionKey + " vanished")));
    }

    /** Which of the batch's numbered notifications the journal already holds. */
    private Mono<Set<AppendPlan.Key>> journaled(Connection connection, List<JournalRecord> batch) {
        return Flux.fromIterable(SequenceRange.covering(batch))
                .concatMap(range -> Rows.query(
                        connection
                                .createStatement(JOURNALED_SQL)
                                .bind("$1", sessionKey)
                                .bind("$2", range.epoch())
                                .bind("$3", range.first())
                                .bind("$4", range.last()),
                        row -> new AppendPlan.Key(range.epoch(), Rows.longValue(row, "upstream_sequence"))))
                .collect(HashSet::new, Set::add);
    }

    private Mono<Void> insert(Connection connection, List<JournalEntry> entries) {
        if (database.dialect() == Dialect.POSTGRESQL) {
            return JournalCopy.insert(connection, sessionKey, entries).then();
        }
        return Flux.fromIterable(insertChunks(entries.size()))
                .concatMap(chunk -> {
                    Statement statement = connection.createStatement(insertSql(chunk.size()));
                    for (int i = 0; i < chunk.size(); i++) {
                        JournalRows.bind(
                                statement, i * JournalRows.INSERT_WIDTH, sessionKey, entries.get(chunk.from() + i));
                    }
                    return Rows.update(statement);
                })
                .then();
    }

    private static String insertSql(int rows) {
        StringBuilder sql = new StringBuilder("INSERT INTO journal_entry (")
                .append(JournalRows.INSERT_COLUMNS)
                .append(") VALUES ");
        int marker = 1;
        for (int row = 0; row < rows; row++) {
            sql.append(row == 0 ? "(" : ", (");
            for (int column = 0; column < JournalRows.INSERT_WIDTH; column++) {
                sql.append(column == 0 ? "" : ", ").append(JournalRows.insertValue(column, marker++));
            }
            sql.append(')');
        }
        return sql.toString();
    }

    private Mono<Long> updateSession(Connection connection, AppendPlan plan, Instant now) {
        Checkpoint cursor = plan.cursor();
        if (cursor == null) {
            return Rows.update(connection
                    .createStatement(UPDATE_HEAD_SQL)
                    .bind("$1", sessionKey)
                    .bind("$2", plan.newestOffset())
                    .bind("$3", Rows.timestamp(now)));
        }
        Statement statement = connection
                .createStatement(UPDATE_HEAD_AND_CURSOR_SQL)
                .bind("$1", sessionKey)
                .bind("$2", plan.newestOffset())
                .bind("$3", cursor.cursor())
                .bind("$5", cursor.epoch())
                .bind("$6", Rows.timestamp(now));
        if (cursor.sequence().isPresent()) {
            statement.bind("$4", cursor.sequence().getAsLong());
        } else {
            statement.bindNull("$4", Long.class);
        }
        return Rows.update(statement);
    }

    /** Splits {@code size} rows into inserts of power-of-two sizes up to {@link #MAX_INSERT_ROWS}. */
    static List<Chunk> insertChunks(int size) {
        List<Chunk> chunks = new ArrayList<>();
        int from = 0;
        while (from < size) {
            int rows = Math.min(MAX_INSERT_ROWS, Integer.highestOneBit(size - from));
            chunks.add(new Chunk(from, from + rows));
            from += rows;
        }
        return chunks;
    }

    /** A range {@code [from, to)} of a batch. */
    record Chunk(int from, int to) {
        int size() {
            return to - from;
        }
    }
}
