package io.watchgate.store;

import static io.watchgate.store.testing.Notifications.mars;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.watchgate.store.journal.Journal;
import io.watchgate.store.journal.JournalEntry;
import io.watchgate.store.journal.JournalRecord;
import io.watchgate.store.journal.JournalStart;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.sql.PoolSettings;
import io.watchgate.store.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Appends cancelled at any point, from a non-blocking thread (as a timeout or a client that goes
 * away does): each batch is journaled whole or not at all, no blocking call runs on the cancelling
 * thread, and every connection goes back to the pool.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class StoreCancellationIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final int BATCH = 50;

    private static final int CANCELLED = 150;

    private static final String HOOK = StoreCancellationIntegrationTests.class.getName();

    @Parameter
    Dialect dialect;

    private TestDatabase database;

    private final Queue<Throwable> dropped = new ConcurrentLinkedQueue<>();

    private final ListAppender<ILoggingEvent> reactorWarnings = new ListAppender<>();

    private static Logger reactorLogger() {
        return (Logger) LoggerFactory.getLogger("reactor.core.publisher");
    }

    @BeforeEach
    void createDatabase() {
        database = TestDatabase.create(StoreCancellationIntegrationTests.class, dialect);
        Hooks.onErrorDropped(dropped::add);
        Schedulers.onHandleError(HOOK, (thread, error) -> dropped.add(error));
        // a cleanup (rollback, close) that fails after a cancel is only logged, by the operator
        reactorWarnings.start();
        reactorLogger().addAppender(reactorWarnings);
    }

    @AfterEach
    void dropDatabase() {
        Hooks.resetOnErrorDropped();
        Schedulers.resetOnHandleError(HOOK);
        reactorLogger().detachAppender(reactorWarnings);
        database.close();
    }

    @Test
    void cancelledAppendsLeaveWholeBatchesAndReleaseTheirConnections() {
        PoolSettings twoConnections = new PoolSettings(2, Duration.ofSeconds(5), 0, Duration.ZERO);
        try (WatchgateStore store = database.store().pool(twoConnections).open()) {
            Journal journal = store.journal("cancelled");
            for (int batch = 0; batch < CANCELLED; batch++) {
                // cancelled from a parallel thread after 0 to 6 ms: before, between or after statements
                journal.append(batch(batch))
                        .timeout(Duration.ofNanos(batch % 25 * 250_000L), Schedulers.parallel())
                        .onErrorResume(java.util.concurrent.TimeoutException.class, timeout -> Mono.empty())
                        .block(TIMEOUT);
            }

            // with only two connections, a leaked one would starve these
            List<Long> newest = Flux.range(CANCELLED, 10)
                    .concatMap(batch -> journal.append(batch(batch)))
                    .map(result -> result.newestOffset())
                    .collectList()
                    .block(TIMEOUT);
            assertThat(newest).hasSize(10);

            List<JournalEntry> entries =
                    journal.read(JournalStart.beginning()).collectList().block(TIMEOUT);
            assertThat(entries)
                    .extracting(JournalEntry::offset)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, entries.size()).boxed().toList());
            assertThat(entries.size() % BATCH).as("whole batches only").isZero();
            assertThat(entries.stream()
                            .map(entry -> (entry.notification().sequence().getAsLong() - 1) / BATCH)
                            .distinct()
                            .count())
                    .isEqualTo(entries.size() / BATCH);
        }
        assertThat(dropped).isEmpty();
        assertThat(List.copyOf(reactorWarnings.list))
                .extracting(event -> event.getFormattedMessage() + " " + event.getThrowableProxy())
                .isEmpty();
    }

    private static List<JournalRecord> batch(int batch) {
        return LongStream.rangeClosed(1, BATCH)
                .mapToObj(n -> JournalRecord.of(mars(batch * (long) BATCH + n)))
                .toList();
    }
}
