package io.watchgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import reactor.pool.PoolShutdownException;

class StoreExceptionTests {

    @Test
    void connectionTroubleTimeoutsAndOverloadAreUnavailable() {
        assertThat(StoreException.of("op", new R2dbcNonTransientResourceException("connection closed")))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(StoreException.of("op", new R2dbcTimeoutException("acquire timed out")))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(StoreException.of("op", new RuntimeException(new ConnectException("refused"))))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(StoreException.of("op", new PoolShutdownException())).isInstanceOf(StoreUnavailableException.class);
        assertThat(StoreException.of("op", new R2dbcException("shutting down", "57P01") {}))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(StoreException.of("op", new R2dbcException("too many connections", "53300") {}))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(StoreException.of("op", new R2dbcException("deadlock", "40P01") {}))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(StoreException.of("migrate", new IllegalStateException(new SQLException("no route", "08001"))))
                .isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void statementsTheDatabaseRefusesAreRejected() {
        assertThat(StoreException.of("op", new R2dbcBadGrammarException("relation does not exist", "42P01")))
                .isInstanceOf(StoreRejectedException.class);
        assertThat(StoreException.of("op", new R2dbcDataIntegrityViolationException("value too long", "22001")))
                .isInstanceOf(StoreRejectedException.class);
        assertThat(StoreException.of("op", new IllegalArgumentException("bad value")))
                .isInstanceOf(StoreRejectedException.class);
    }

    @Test
    void aSqlStateDecidesOverTheDriversExceptionType() {
        // r2dbc-postgresql reports most server errors as "non-transient resource" exceptions
        assertThat(StoreException.of("op", new R2dbcNonTransientResourceException("program limit exceeded", "54000")))
                .isInstanceOf(StoreRejectedException.class);
        assertThat(StoreException.of("op", new R2dbcNonTransientResourceException("not supported", "0A000")))
                .isInstanceOf(StoreRejectedException.class);
        assertThat(StoreException.of("op", new R2dbcNonTransientResourceException("too many clients", "53300")))
                .isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void suppressedErrorsCountAndCyclesEnd() {
        RuntimeException wrapper = new RuntimeException("cleanup failed too");
        wrapper.addSuppressed(new R2dbcException("terminating connection", "57P01") {});
        assertThat(StoreException.of("op", wrapper)).isInstanceOf(StoreUnavailableException.class);

        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);
        assertThat(StoreException.of("op", first)).isInstanceOf(StoreRejectedException.class);
    }

    @Test
    void theMessageNamesTheOperationAndTheCauseIsKept() {
        R2dbcTimeoutException cause = new R2dbcTimeoutException("acquire timed out");

        StoreException error = StoreException.of("journal.append", cause);

        assertThat(error).hasMessageContaining("journal.append").hasCause(cause);
        assertThat(StoreException.of("other", error)).isSameAs(error);
    }
}
