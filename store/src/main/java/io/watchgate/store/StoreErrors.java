package io.watchgate.store;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.pool.PoolShutdownException;

/** Tells transient store failures (worth retrying, answered with 503) from the rest (bugs). */
final class StoreErrors {

    /**
     * SQLSTATE classes and codes that mean "try again": connection exceptions (08), insufficient
     * resources (53), operator intervention such as a shutdown (57P), serialization failures and
     * deadlocks (40001, 40P01), lock timeouts (55P03; H2's HYT00).
     */
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "53", "57");

    private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03", "HYT00");

    private StoreErrors() {}

    static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof R2dbcTransientException
                    || t instanceof R2dbcNonTransientResourceException
                    || t instanceof IOException
                    || t instanceof TimeoutException
                    || t instanceof PoolShutdownException) {
                return true;
            }
            if (t instanceof R2dbcException r2dbc && isTransientState(r2dbc.getSqlState())) {
                return true;
            }
            if (t instanceof SQLException jdbc && isTransientState(jdbc.getSQLState())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static boolean isTransientState(@Nullable String sqlState) {
        if (sqlState == null || sqlState.length() < 2) {
            return false;
        }
        return TRANSIENT_STATES.contains(sqlState) || TRANSIENT_CLASSES.contains(sqlState.substring(0, 2));
    }
}
