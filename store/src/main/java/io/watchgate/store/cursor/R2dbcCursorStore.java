package io.watchgate.store.cursor;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.Statement;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.store.sql.Database;
import io.watchgate.store.sql.Rows;
import io.watchgate.store.sql.SessionKeys;
import java.time.Clock;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Mono;

/**
 * A {@link CursorStore} on the store's database: one row per session key in {@code watch_session}
 * with the cursor, its sequence where there is one, the epoch and the time of the last change.
 *
 * <p>A commit never moves a cursor backwards. The comparison runs inside the database, in the
 * same statement as the write ({@link io.watchgate.store.sql.Dialect#commitCursorSql()}), so two
 * committers racing on one key leave the furthest of their positions, whatever the order they
 * arrive in. A commit that is not ahead of the stored position changes nothing, answers {@code
 * false} and is counted in {@link #staleCommits()}.
 *
 * <p>The store's journals keep their own positions ({@link
 * io.watchgate.store.journal.Journal#position()}), which commits here never move.
 */
public final class R2dbcCursorStore implements CursorStore {

    private static final String LOAD_SQL = """
            SELECT upstream_cursor, upstream_sequence, epoch FROM watch_session WHERE session_key = $1""";

    private final Database database;
    private final Clock clock;
    private final LongAdder staleCommits = new LongAdder();

    /**
     * A cursor store on {@code database}, stamping changes with {@code clock}.
     *
     * @param database a migrated store database
     * @param clock the source of {@code updated_at}
     */
    public R2dbcCursorStore(Database database, Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Mono<Checkpoint> load(String sessionKey) {
        SessionKeys.check(sessionKey);
        return database.call(
                "cursor.load",
                connection -> Rows.query(
                                connection.createStatement(LOAD_SQL).bind("$1", sessionKey),
                                row -> Objects.requireNonNull(Rows.checkpoint(row), "cursor"))
                        .next());
    }

    @Override
    public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
        SessionKeys.check(sessionKey);
        Objects.requireNonNull(checkpoint, "checkpoint");
        return database.call(
                        "cursor.commit",
                        connection -> upsert(connection, sessionKey, checkpoint)
                                // On H2, two first commits of one key may both try to insert the
                                // row; the loser sees a duplicate key and compares again.
                                .onErrorResume(
                                        R2dbcDataIntegrityViolationException.class,
                                        duplicate -> upsert(connection, sessionKey, checkpoint)))
                .map(rows -> rows > 0)
                .doOnNext(stored -> {
                    if (!stored) {
                        staleCommits.increment();
                    }
                });
    }

    /** How many commits this store refused because the stored position was not behind them. */
    public long staleCommits() {
        return staleCommits.sum();
    }

    private Mono<Long> upsert(Connection connection, String sessionKey, Checkpoint checkpoint) {
        Statement statement = connection
                .createStatement(database.dialect().commitCursorSql())
                .bind("$1", sessionKey)
                .bind("$2", checkpoint.cursor());
        OptionalLong sequence = checkpoint.sequence();
        if (sequence.isPresent()) {
            statement.bind("$3", sequence.getAsLong());
        } else {
            statement.bindNull("$3", Long.class);
        }
        statement.bind("$4", checkpoint.epoch()).bind("$5", Rows.timestamp(clock.instant()));
        return Rows.update(statement);
    }
}
