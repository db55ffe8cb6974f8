package io.watchgate.store;

import static io.watchgate.store.testing.Notifications.mars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.r2dbc.spi.R2dbcTimeoutException;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.testing.Await;
import io.watchgate.store.journal.JournalRecord;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.sql.PoolSettings;
import io.watchgate.store.sql.StoreUrl;
import io.watchgate.store.testing.TcpProxy;
import io.watchgate.store.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Failures are typed: a database that cannot be reached is {@link StoreUnavailableException} (after
 * bounded retries, and the store recovers when it is back), a statement the database refuses is
 * {@link StoreRejectedException}.
 */
class StoreFailuresIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final PoolSettings IMPATIENT = new PoolSettings(2, Duration.ofMillis(500), 2, Duration.ofMillis(50));

    private TestDatabase postgres;

    @BeforeEach
    void createDatabase() {
        postgres = TestDatabase.create(StoreFailuresIntegrationTests.class, Dialect.POSTGRESQL);
    }

    @AfterEach
    void dropDatabase() {
        postgres.close();
    }

    /** Journals a first notification, then locks the journal's row in {@code blocker}'s transaction. */
    private static void lockJournal(WatchgateStore store, String sessionKey, Connection blocker) throws SQLException {
        StepVerifier.create(store.journal(sessionKey).append(List.of(JournalRecord.of(mars(1)))))
                .expectNextCount(1)
                .verifyComplete();
        blocker.setAutoCommit(false);
        try (var lock = blocker.prepareStatement("SELECT * FROM journal_session WHERE session_key = ? FOR UPDATE")) {
            lock.setString(1, sessionKey);
            lock.executeQuery().close();
        }
    }

    private static boolean waitingForALock(Connection observer) {
        try (Statement query = observer.createStatement();
                var rows = query.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted")) {
            return rows.next() && rows.getLong(1) > 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCancelledAppendRunsItsTransactionToTheEnd() throws SQLException {
        try (WatchgateStore store = postgres.store().open();
                Connection blocker = jdbc(postgres)) {
            lockJournal(store, "locked", blocker);
            var append = store.journal("locked")
                    .append(List.of(JournalRecord.of(mars(2)), JournalRecord.of(mars(3))))
                    .subscribe();
            Await.until(() -> waitingForALock(blocker), TIMEOUT, "the append waits for the row lock");

            append.dispose();
            blocker.rollback();

            // the cancelled append's transaction was not cut off: it journals its whole batch
            Await.until(
                    () -> store.journal("locked").bounds().block(TIMEOUT).newest() == 3,
                    TIMEOUT,
                    "the cancelled append committed");
            StepVerifier.create(store.journal("locked").append(List.of(JournalRecord.of(mars(4)))))
                    .assertNext(result -> assertThat(result.newestOffset()).isEqualTo(4))
                    .verifyComplete();
        }
    }

    @Test
    void openingADatabaseThatDoesNotAnswerFailsAsUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        assertThatThrownBy(() -> WatchgateStore.builder(
                                "r2dbc:postgresql://postgres:secret@127.0.0.1:" + closedPort + "/test")
                        .open())
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("127.0.0.1:" + closedPort)
                .hasMessageNotContaining("secret");
    }

    @Test
    void aDatabaseCutOffFailsOperationsAndPingsAsUnavailableAfterBoundedRetriesAndTheStoreRecovers() {
        try (TcpProxy proxy = TcpProxy.to("127.0.0.1", port(postgres.url()));
                WatchgateStore store = WatchgateStore.builder(throughProxy(postgres.url(), proxy.port()))
                        .pool(IMPATIENT)
                        .open()) {
            StepVerifier.create(store.cursors().commit("key", Checkpoint.of("mars@1", 1)))
                    .expectNext(true)
                    .verifyComplete();

            StepVerifier.create(store.ping()).expectComplete().verify(TIMEOUT);

            proxy.cut();
            StepVerifier.create(store.ping())
                    .expectError(StoreUnavailableException.class)
                    .verify(TIMEOUT);
            int acceptedBefore = proxy.accepted();
            StepVerifier.create(store.cursors().commit("key", Checkpoint.of("mars@2", 2)))
                    .expectError(StoreUnavailableException.class)
                    .verify(TIMEOUT);
            assertThat(proxy.accepted() - acceptedBefore)
                    .as("connection attempts: the first try and %d retries", IMPATIENT.retries())
                    .isGreaterThanOrEqualTo(1 + IMPATIENT.retries());

            proxy.restore();
            StepVerifier.create(store.ping()).expectComplete().verify(TIMEOUT);
            StepVerifier.create(store.cursors().commit("key", Checkpoint.of("mars@2", 2)))
                    .expectNext(true)
                    .expectComplete()
                    .verify(TIMEOUT);
        }
    }

    @Test
    void waitingLongerThanTheAcquireTimeoutForAConnectionFailsAsUnavailable() throws SQLException {
        PoolSettings oneConnection = new PoolSettings(1, Duration.ofMillis(300), 0, Duration.ZERO);
        try (WatchgateStore store = postgres.store().pool(oneConnection).open();
                Connection blocker = jdbc(postgres)) {
            lockJournal(store, "locked", blocker);
            // The append waits for the row lock on the pool's only connection...
            var append = store.journal("locked")
                    .append(List.of(JournalRecord.of(mars(2))))
                    .toFuture();
            Await.until(() -> waitingForALock(blocker), TIMEOUT, "the append waits for the row lock");

            // ...so another operation cannot get a connection in time.
            StepVerifier.create(store.cursors().load("other"))
                    .expectErrorSatisfies(error -> assertThat(error)
                            .isInstanceOf(StoreUnavailableException.class)
                            .hasCauseInstanceOf(R2dbcTimeoutException.class))
                    .verify(TIMEOUT);

            blocker.rollback();
            assertThat(append)
                    .succeedsWithin(TIMEOUT)
                    .satisfies(result -> assertThat(result.newestOffset()).isEqualTo(2));
        }
    }

    @Test
    void aStatementTheDatabaseRefusesFailsAsRejected() {
        for (Dialect dialect : Dialect.values()) {
            try (TestDatabase database = TestDatabase.create(StoreFailuresIntegrationTests.class, dialect);
                    WatchgateStore store = database.store().open()) {
                database.execute("DROP TABLE journal_entry");

                StepVerifier.create(store.journal("key").append(List.of(JournalRecord.of(mars(1)))))
                        .expectErrorSatisfies(error -> assertThat(error)
                                .as(dialect.name())
                                .isInstanceOf(StoreRejectedException.class)
                                .hasMessageContaining("journal.append"))
                        .verify(TIMEOUT);
            }
        }
    }

    @Test
    void sessionKeysTheSchemaCannotHoldAreRefusedBeforeAnyStatement() {
        try (WatchgateStore store = postgres.store().open()) {
            String tooLong = "k".repeat(201);

            assertThatThrownBy(() -> store.journal(tooLong)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.cursors().load(tooLong)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.cursors().commit(" ", Checkpoint.of("a")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static Connection jdbc(TestDatabase database) throws SQLException {
        StoreUrl url = StoreUrl.parse(database.url());
        Connection connection = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET search_path TO " + url.schema().orElseThrow());
        }
        return connection;
    }

    private static int port(String url) {
        return (Integer) StoreUrl.parse(url).options().getRequiredValue(io.r2dbc.spi.ConnectionFactoryOptions.PORT);
    }

    private static String throughProxy(String url, int proxyPort) {
        return url.replaceFirst(":" + port(url) + "/", ":" + proxyPort + "/");
    }
}
