package io.watchgate.store;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.pool.PoolShutdownException;

/**
 * Tells transient store failures (worth retrying, answered with 503) from the rest (bugs).
 *
 * <p>Where the database gave a SQLSTATE, it decides: the driver's exception types are too coarse
 * (r2dbc-postgresql reports most server errors, "program limit exceeded" or "feature not supported"
 * among them, as {@link R2dbcNonTransientResourceException}). Without one, the type decides: a
 * broken connection, an I/O error, a timeout or a closed pool is transient.
 */
final class StoreErrors {

    /**
     * SQLSTATE classes and codes that mean "try again": connection exceptions (08), insufficient
     * resources (53), operator intervention such as a shutdown (57), serialization failures and
     * deadlocks (40001, 40P01), lock timeouts (55P03; H2's HYT00), and H2's "database is closed"
     * (90098) and "connection broken" (90067).
     */
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "53", "57");

    private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03", "HYT00", "90098", "90067");

    private StoreErrors() {}

    static boolean isTransient(Throwable error) {
        String sqlState = firstSqlState(error);
        if (sqlState != null) {
            return TRANSIENT_STATES.contains(sqlState) || TRANSIENT_CLASSES.contains(sqlState.substring(0, 2));
        }
        return anyInChain(
                error,
                t -> t instanceof R2dbcTransientException
                        || t instanceof R2dbcNonTransientResourceException
                        || t instanceof IOException
                        || t instanceof TimeoutException
                        || t instanceof PoolShutdownException);
    }

    /** The first SQLSTATE found among the error, its causes and suppressed errors. */
    private static @Nullable String firstSqlState(Throwable error) {
        for (Throwable t : chain(error)) {
            String state = t instanceof R2dbcException r2dbc
                    ? r2dbc.getSqlState()
                    : t instanceof SQLException jdbc ? jdbc.getSQLState() : null;
            if (state != null && state.length() >= 2) {
                return state;
            }
        }
        return null;
    }

    private static boolean anyInChain(Throwable error, Predicate<Throwable> test) {
        return chain(error).stream().anyMatch(test);
    }

    /** The error, then its causes and suppressed errors, breadth first, each once. */
    private static List<Throwable> chain(Throwable error) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> chain = new ArrayList<>();
        Deque<Throwable> next = new ArrayDeque<>();
        next.add(error);
        while (!next.isEmpty() && chain.size() < 32) {
            Throwable t = next.poll();
            if (!seen.add(t)) {
                continue;
            }
            chain.add(t);
            if (t.getCause() != null) {
                next.add(t.getCause());
            }
            next.addAll(List.of(t.getSuppressed()));
        }
        return chain;
    }
}
