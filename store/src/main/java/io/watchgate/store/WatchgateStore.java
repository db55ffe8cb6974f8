package io.watchgate.store;

import io.watchgate.store.cursor.R2dbcCursorStore;
import io.watchgate.store.journal.Journal;
import io.watchgate.store.journal.JournalPurger;
import io.watchgate.store.journal.JournalRetention;
import io.watchgate.store.sql.Database;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.sql.Migrations;
import io.watchgate.store.sql.PoolSettings;
import io.watchgate.store.sql.Rows;
import io.watchgate.store.sql.StoreUrl;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The store, opened from one R2DBC URL: migrates the database, pools connections, and hands out
 * the {@linkplain #cursors() cursor store} and each session's {@linkplain #journal(String) journal}
 * while a background task applies the journal's retention.
 *
 * <pre>{@code
 * try (WatchgateStore store = WatchgateStore.builder("r2dbc:h2:file:///./data/watchgate").open();
 *         WatchClient client = WatchClient.builder()
 *                 .upstream(Upstream.aviso(URI.create("https://aviso.example.org")))
 *                 .cursorStore(store.cursors())
 *                 .build()) {
 *     ...
 * } // the client closes first, flushing its cursors into the still open store
 * }</pre>
 *
 * <p>Operations fail with {@link StoreUnavailableException} when the database cannot be reached in
 * time (after {@link PoolSettings#retries()} retries with backoff) and with {@link
 * StoreRejectedException} when it refuses a statement.
 */
public final class WatchgateStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatchgateStore.class);

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final StoreUrl url;
    private final Database database;
    private final Clock clock;
    private final int pageSize;
    private final R2dbcCursorStore cursors;
    private final JournalPurger purger;
    private final Sinks.Empty<Void> closing = Sinks.empty();
    private final Disposable purging;
    private final Sinks.Empty<Void> purgingStopped = Sinks.empty();

    private WatchgateStore(Builder builder, StoreUrl url, Database database) {
        this.url = url;
        this.database = database;
        this.clock = builder.clock;
        this.pageSize = builder.pageSize;
        this.cursors = new R2dbcCursorStore(database, clock);
        this.purger = new JournalPurger(database, clock, builder.retention);
        this.purging = Flux.interval(builder.purgeInterval, builder.purgeInterval, Schedulers.parallel())
                .onBackpressureDrop()
                .takeUntilOther(closing.asMono())
                .concatMap(tick -> purger.purge().onErrorResume(error -> {
                    log.warn("event=journal.purge_failed error=\"{}\"", error.toString());
                    return Mono.empty();
                }))
                .doFinally(signal -> purgingStopped.tryEmitEmpty())
                .subscribe();
    }

    /** A builder for the store at {@code url} ({@code r2dbc:postgresql://...} or {@code r2dbc:h2:file:///...}). */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** The database this store uses, without credentials. */
    public StoreUrl url() {
        return url;
    }

    /** The SQL dialect in use. */
    public Dialect dialect() {
        return database.dialect();
    }

    /** The sessions' durable checkpoints, for {@code WatchClient.Builder.cursorStore}. */
    public R2dbcCursorStore cursors() {
        return cursors;
    }

    /** The journal of one session. */
    public Journal journal(String sessionKey) {
        return new Journal(database, sessionKey, clock, pageSize);
    }

    /**
     * Checks that the database answers: a trivial query on a pooled connection. Errors like every
     * store operation ({@link StoreUnavailableException} when the database cannot be reached).
     */
    public Mono<Void> ping() {
        return database.call(
                "ping",
                connection -> Rows.query(connection.createStatement("SELECT 1"), row -> Boolean.TRUE)
                        .then());
    }

    /** Applies the retention to every journal now (it also runs in the background). */
    public Mono<Long> purgeExpired() {
        return purger.purge();
    }

    /**
     * Stops the background purge (letting a purge under way finish) and closes every connection.
     * Blocks up to 10 s.
     */
    @Override
    public void close() {
        closing.tryEmitEmpty();
        purgingStopped.asMono().timeout(CLOSE_TIMEOUT, Mono.empty()).block();
        purging.dispose();
        database.close().block(CLOSE_TIMEOUT);
        log.info("event=store.closed database=\"{}\"", url);
    }

    /** Configures and opens a {@link WatchgateStore}. */
    public static final class Builder {

        private final String url;
        private PoolSettings pool = PoolSettings.DEFAULT;
        private JournalRetention retention = JournalRetention.DEFAULT;
        private Duration purgeInterval = Duration.ofMinutes(1);
        private Clock clock = Clock.systemUTC();
        private int pageSize = 256;

        private Builder(String url) {
            this.url = Objects.requireNonNull(url, "url");
        }

        /** Connection pool and retry settings; default {@link PoolSettings#DEFAULT}. */
        public Builder pool(PoolSettings pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /** What journals keep; default {@link JournalRetention#DEFAULT}. */
        public Builder retention(JournalRetention retention) {
            this.retention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /** How often the background purge runs; default 1 minute. */
        public Builder purgeInterval(Duration purgeInterval) {
            Objects.requireNonNull(purgeInterval, "purgeInterval");
            if (purgeInterval.isNegative() || purgeInterval.isZero()) {
                throw new IllegalArgumentException("purge interval must be positive: " + purgeInterval);
            }
            this.purgeInterval = purgeInterval;
            return this;
        }

        /** The clock for stored times and retention; default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How many journal entries one read query fetches; default 256. */
        public Builder pageSize(int pageSize) {
            if (pageSize < 1) {
                throw new IllegalArgumentException("page size must be >= 1: " + pageSize);
            }
            this.pageSize = pageSize;
            return this;
        }

        /**
         * Migrates the database and opens the pool. Blocks (Flyway runs over JDBC): call it at
         * start-up, not on an event loop.
         *
         * @throws IllegalArgumentException when the URL is not a store URL
         * @throws StoreException when the database cannot be migrated
         */
        public WatchgateStore open() {
            StoreUrl parsed = StoreUrl.parse(url);
            try {
                Migrations.migrate(parsed);
            } catch (RuntimeException e) {
                throw StoreException.of("migrate " + parsed, e);
            }
            return new WatchgateStore(this, parsed, Database.connect(parsed, pool));
        }
    }
}
