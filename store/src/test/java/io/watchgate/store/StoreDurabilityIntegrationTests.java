package io.watchgate.store;

import static io.watchgate.store.testing.Notifications.mars;
import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.store.journal.JournalBounds;
import io.watchgate.store.journal.JournalEntry;
import io.watchgate.store.journal.JournalRecord;
import io.watchgate.store.journal.JournalStart;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.test.StepVerifier;

/**
 * What a store wrote is there after everything is closed and the store is opened again from its URL
 * (for H2: the file is closed with its last connection and opened again).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class StoreDurabilityIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Parameter
    Dialect dialect;

    private TestDatabase database;

    @BeforeEach
    void createDatabase() {
        database = TestDatabase.create(StoreDurabilityIntegrationTests.class, dialect);
    }

    @AfterEach
    void dropDatabase() {
        database.close();
    }

    @Test
    void cursorsJournalsAndOffsetsSurviveAReopen() {
        List<JournalRecord> records = LongStream.rangeClosed(1, 10)
                .mapToObj(n -> JournalRecord.of(mars(n)))
                .toList();
        List<JournalEntry> written;
        try (WatchgateStore store = database.store().open()) {
            written = store.journal("journaled").append(records).block(TIMEOUT).appended();
            StepVerifier.create(store.cursors().commit("committed", Checkpoint.of("mars@77", 77)))
                    .expectNext(true)
                    .verifyComplete();
        }

        try (WatchgateStore reopened = database.store().open()) {
            StepVerifier.create(reopened.cursors().load("committed"))
                    .expectNext(Checkpoint.of("mars@77", 77))
                    .verifyComplete();
            StepVerifier.create(reopened.journal("journaled").position())
                    .expectNext(Checkpoint.of("mars@10", 10))
                    .verifyComplete();
            StepVerifier.create(reopened.journal("journaled")
                            .read(JournalStart.beginning())
                            .collectList())
                    .expectNext(written)
                    .expectComplete()
                    .verify(TIMEOUT);
            StepVerifier.create(reopened.journal("journaled").append(List.of(JournalRecord.of(mars(11)))))
                    .assertNext(result -> assertThat(result.appended())
                            .extracting(JournalEntry::offset)
                            .containsExactly(11L))
                    .expectComplete()
                    .verify(TIMEOUT);
            StepVerifier.create(reopened.journal("journaled").bounds())
                    .expectNext(new JournalBounds(1, 11))
                    .verifyComplete();
        }
    }
}
