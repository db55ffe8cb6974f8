package io.watchgate.store.sql;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.watchgate.store.StoreException;
import io.watchgate.store.StoreUnavailableException;
import java.time.Duration;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.pool.PoolShutdownException;
import reactor.util.retry.Retry;

/**
 * The store's pooled database: runs a unit of work on one connection (plainly or in a
 * transaction), on the dialect's scheduler, turns driver errors into {@link StoreException}s and
 * retries transient ones a bounded number of times with exponential backoff.
 *
 * <p>Every unit of work given here must be safe to run twice: a retry follows a failure whose
 * effect is unknown (the commit may have happened before the connection broke).
 */
public final class Database {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private static final Duration MAX_RETRY_BACKOFF = Duration.ofSeconds(2);

    private final ConnectionPool pool;
    private final Dialect dialect;
    private final @Nullable Scheduler scheduler;
    private final PoolSettings settings;

    private Database(ConnectionPool pool, Dialect dialect, @Nullable Scheduler scheduler, PoolSettings settings) {
        this.pool = pool;
        this.dialect = dialect;
        this.scheduler = scheduler;
        this.settings = settings;
    }

    /** A pool of connections to the database the URL names; connections open lazily. */
    public static Database connect(StoreUrl url, PoolSettings settings) {
        ConnectionFactoryOptions options = url.options();
        if (!options.hasOption(ConnectionFactoryOptions.CONNECT_TIMEOUT)) {
            options = options.mutate()
                    .option(ConnectionFactoryOptions.CONNECT_TIMEOUT, settings.acquireTimeout())
                    .build();
        }
        ConnectionPoolConfiguration.Builder configuration = ConnectionPoolConfiguration.builder(
                        ConnectionFactories.get(options))
                .name("watchgate-store")
                .initialSize(0)
                .maxSize(settings.maxSize())
                .maxAcquireTime(settings.acquireTimeout())
                .maxCreateConnectionTime(settings.acquireTimeout())
                .maxValidationTime(settings.acquireTimeout())
                .maxIdleTime(Duration.ofMinutes(10))
                .acquireRetry(1);
        // A blocking driver gets a thread per connection (and one to open connections): a
        // statement waiting for a lock then never keeps the lock's holder from its next statement.
        Scheduler scheduler = url.dialect().blocking() ? UninterruptibleScheduler.create(settings.maxSize() + 1) : null;
        if (scheduler != null) {
            configuration.allocatorSubscribeOn(scheduler);
        }
        if (url.dialect() == Dialect.H2) {
            // H2 closes its file with the last connection: keep one, so that an idle store does
            // not reopen (and recover) the file on its next call.
            configuration.minIdle(1);
        }
        return new Database(new ConnectionPool(configuration.build()), url.dialect(), scheduler, settings);
    }

    /** The SQL dialect of this database. */
    public Dialect dialect() {
        return dialect;
    }

    /**
     * Runs {@code work} on a pooled connection in auto-commit mode.
     *
     * @param operation names the work in errors and logs
     */
    public <T> Mono<T> call(String operation, Function<Connection, Mono<T>> work) {
        return run(operation, Mono.usingWhen(acquire(), work, Connection::close));
    }

    /**
     * Runs {@code work} in one transaction on a pooled connection: committed when the work's Mono
     * succeeds, rolled back when it fails.
     *
     * <p>A transaction, once started, is never cut off by a cancel: it runs to its commit or
     * rollback and its result is dropped. Cut off between two statements, it could not be rolled
     * back reliably (the driver may not know yet that the transaction began), and its connection
     * would go back to the pool inside it, for the next user to commit.
     *
     * @param operation names the work in errors and logs
     */
    public <T> Mono<T> transaction(String operation, Function<Connection, Mono<T>> work) {
        Mono<T> attempt = Mono.usingWhen(
                acquire(),
                connection -> Mono.usingWhen(
                        Mono.from(connection.beginTransaction()).thenReturn(connection),
                        work,
                        Connection::commitTransaction,
                        (c, error) -> c.rollbackTransaction(),
                        Connection::rollbackTransaction),
                Connection::close);
        return run(operation, Mono.fromFuture(attempt::toFuture, true));
    }

    /** Closes every connection; operations started afterwards fail as unavailable. */
    public Mono<Void> close() {
        Scheduler threads = scheduler;
        return threads == null ? pool.disposeLater() : pool.disposeLater().doFinally(signal -> threads.dispose());
    }

    /**
     * A pooled connection, handed over on the dialect's scheduler: the pool may deliver it on the
     * thread that released or created it, and a blocking driver's work must not run there.
     */
    private Mono<Connection> acquire() {
        return scheduler == null ? pool.create() : pool.create().publishOn(scheduler);
    }

    /**
     * An unavailable database, unless the pool is closed or had no connection free in time:
     * retrying those only multiplies the caller's wait and the load on an overloaded pool.
     */
    private static boolean worthRetrying(Throwable error) {
        return error instanceof StoreUnavailableException
                && !(error.getCause() instanceof R2dbcTimeoutException)
                && !(error.getCause() instanceof PoolShutdownException);
    }

    private <T> Mono<T> run(String operation, Mono<T> unit) {
        // On a blocking driver a cancel, whatever thread it comes from, rolls back and closes there too.
        Mono<T> placed = scheduler == null ? unit : unit.subscribeOn(scheduler).cancelOn(scheduler);
        return placed.onErrorMap(error -> StoreException.of(operation, error))
                .retryWhen(Retry.backoff(settings.retries(), settings.retryBackoff())
                        .maxBackoff(MAX_RETRY_BACKOFF)
                        .filter(Database::worthRetrying)
                        .doBeforeRetry(signal -> log.debug(
                                "event=store.retry operation={} attempt={} error=\"{}\"",
                                operation,
                                signal.totalRetries() + 1,
                                signal.failure().toString()))
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
    }
}
