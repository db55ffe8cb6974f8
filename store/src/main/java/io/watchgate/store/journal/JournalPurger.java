package io.watchgate.store.journal;

import io.r2dbc.spi.Statement;
import io.watchgate.store.sql.Database;
import io.watchgate.store.sql.Rows;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Applies {@link JournalRetention} to every session's journal: removes the entries journaled
 * longer ago than the maximum age and all but the newest maximum count, oldest first, at most a
 * batch per statement (each its own short transaction). What a purge removes is always a prefix of
 * the journal, so what remains is a contiguous run of offsets up to the newest.
 */
public final class JournalPurger {

    private static final Logger log = LoggerFactory.getLogger(JournalPurger.class);

    /** How many sessions one query lists. */
    private static final int SESSIONS_PAGE = 500;

    private static final String SESSIONS_SQL = """
            SELECT session_key, head_offset FROM journal_session
            WHERE session_key > $1 AND head_offset > 0
            ORDER BY session_key LIMIT $2""";

    private static final String OLDEST_SQL =
            "SELECT MIN(entry_offset) AS found_offset FROM journal_entry WHERE session_key = $1";

    private static final String LAST_EXPIRED_SQL = """
            SELECT MAX(entry_offset) AS found_offset FROM journal_entry
            WHERE session_key = $1 AND journaled_at < $2""";

    private static final String DELETE_SQL = """
            DELETE FROM journal_entry
            WHERE session_key = $1 AND entry_offset >= $2 AND entry_offset <= $3""";

    private final Database database;
    private final Clock clock;
    private final JournalRetention retention;

    /**
     * A purger of the journals in {@code database}.
     *
     * @param database a migrated store database
     * @param clock tells the age of entries
     * @param retention what to keep
     */
    public JournalPurger(Database database, Clock clock, JournalRetention retention) {
        this.database = Objects.requireNonNull(database, "database");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    /** Purges every session's journal once; answers how many entries were removed. */
    public Mono<Long> purge() {
        Instant expiredBefore = Rows.stored(clock.instant().minus(retention.maxAge()));
        return sessionsAfter("")
                .expand(page -> page.size() < SESSIONS_PAGE
                        ? Mono.empty()
                        : sessionsAfter(page.getLast().key()))
                .concatMapIterable(Function.identity())
                .concatMap(session -> purge(session, expiredBefore))
                .reduce(0L, Long::sum)
                .doOnNext(removed -> {
                    if (removed > 0) {
                        log.info("event=journal.purged entries={}", removed);
                    }
                });
    }

    /** A page of the sessions whose journals may hold entries, in key order. */
    private Mono<List<Session>> sessionsAfter(String key) {
        return database.call(
                "journal.purge",
                connection -> Rows.query(
                                connection
                                        .createStatement(SESSIONS_SQL)
                                        .bind("$1", key)
                                        .bind("$2", SESSIONS_PAGE),
                                row -> new Session(Rows.text(row, "session_key"), Rows.longValue(row, "head_offset")))
                        .collectList());
    }

    private Mono<Long> purge(Session session, Instant expiredBefore) {
        Mono<Long> oldest = found(OLDEST_SQL, s -> s.bind("$1", session.key()));
        Mono<Long> lastExpired =
                found(LAST_EXPIRED_SQL, s -> s.bind("$1", session.key()).bind("$2", Rows.timestamp(expiredBefore)));
        return Mono.zip(oldest, lastExpired).flatMap(found -> {
            long lastToRemove = Math.max(session.head() - retention.maxEntries(), found.getT2());
            long first = found.getT1();
            if (first == 0 || first > lastToRemove) {
                return Mono.just(0L);
            }
            return Flux.fromIterable(batches(first, lastToRemove))
                    .concatMap(batch -> delete(session.key(), batch))
                    .reduce(0L, Long::sum);
        });
    }

    private List<OffsetRange> batches(long first, long last) {
        List<OffsetRange> batches = new ArrayList<>();
        for (long from = first; from <= last; from += retention.batchSize()) {
            batches.add(new OffsetRange(from, Math.min(last, from + retention.batchSize() - 1)));
        }
        return batches;
    }

    private Mono<Long> delete(String sessionKey, OffsetRange range) {
        return database.call(
                "journal.purge",
                connection -> Rows.update(connection
                        .createStatement(DELETE_SQL)
                        .bind("$1", sessionKey)
                        .bind("$2", range.first())
                        .bind("$3", range.last())));
    }

    /** The offset a query finds, {@code 0} for none. */
    private Mono<Long> found(String sql, Function<Statement, Statement> binds) {
        return database.call(
                "journal.purge",
                connection -> Rows.query(
                                binds.apply(connection.createStatement(sql)),
                                row -> Rows.optionalLong(row, "found_offset").orElse(0))
                        .next()
                        .defaultIfEmpty(0L));
    }

    private record Session(String key, long head) {}

    /** The offsets {@code first..last}, both included. */
    private record OffsetRange(long first, long last) {}
}
