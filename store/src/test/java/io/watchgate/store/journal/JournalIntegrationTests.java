package io.watchgate.store.journal;

import static io.watchgate.store.testing.Notifications.mars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.watchgate.core.Notification;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.testing.MutableClock;
import io.watchgate.store.WatchgateStore;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.DialectDatabases;
import io.watchgate.store.testing.Notifications;
import io.watchgate.store.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.LongStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The journal's contract, on PostgreSQL and on H2. */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class JournalIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final Instant START = Instant.parse("2026-11-22T08:00:00.123456Z");

    private static final DialectDatabases databases = new DialectDatabases(JournalIntegrationTests.class);

    @Parameter
    Dialect dialect;

    private final MutableClock clock = MutableClock.at(START);
    private WatchgateStore store;
    private Journal journal;
    private @Nullable TestDatabase isolated;

    @BeforeEach
    void open() {
        store = databases
                .of(dialect)
                .store()
                .clock(clock)
                .pageSize(7)
                .purgeInterval(Duration.ofDays(1))
                .open();
        journal = store.journal(UUID.randomUUID().toString());
    }

    @AfterEach
    void close() {
        store.close();
        if (isolated != null) {
            isolated.close();
        }
    }

    @AfterAll
    static void dropDatabases() {
        databases.close();
    }

    @Test
    void anAppendNumbersEntriesFromOneAndStoresTheLastPositionAsTheJournalsPosition() {
        AppendResult result = append(records(1, 3));

        assertThat(result.appended()).extracting(JournalEntry::offset).containsExactly(1L, 2L, 3L);
        assertThat(result.appended())
                .extracting(entry -> entry.notification().cursor())
                .containsExactly("mars@1", "mars@2", "mars@3");
        assertThat(result.appended())
                .allSatisfy(entry -> assertThat(entry.journaledAt()).isEqualTo(START));
        assertThat(result)
                .extracting(AppendResult::duplicates, AppendResult::newestOffset, AppendResult::cursorAdvanced)
                .containsExactly(0, 3L, true);
        StepVerifier.create(journal.position())
                .expectNext(Checkpoint.of("mars@3", 3))
                .verifyComplete();
    }

    @Test
    void reAppendingJournaledNotificationsAddsNothing() {
        append(records(1, 3));

        AppendResult overlapping = append(records(2, 5));
        AppendResult again = append(records(1, 5));

        assertThat(overlapping.appended()).extracting(JournalEntry::offset).containsExactly(4L, 5L);
        assertThat(overlapping.appended())
                .extracting(entry -> entry.notification().cursor())
                .containsExactly("mars@4", "mars@5");
        assertThat(overlapping.duplicates()).isEqualTo(2);
        assertThat(again.appended()).isEmpty();
        assertThat(again)
                .extracting(AppendResult::duplicates, AppendResult::newestOffset, AppendResult::cursorAdvanced)
                .containsExactly(5, 5L, false);
        assertThat(readAll(JournalStart.beginning()))
                .extracting(entry -> entry.notification().cursor())
                .containsExactly("mars@1", "mars@2", "mars@3", "mars@4", "mars@5");
    }

    @Test
    void aNotificationRepeatedWithinOneBatchIsJournaledOnce() {
        JournalRecord one = JournalRecord.of(mars(1));

        AppendResult result = append(List.of(one, JournalRecord.of(mars(2)), one));

        assertThat(result.appended()).extracting(JournalEntry::offset).containsExactly(1L, 2L);
        assertThat(result.duplicates()).isEqualTo(1);
    }

    @Test
    void theSameCursorInALaterEpochIsANewNotification() {
        append(records(1, 2));
        JournalRecord afterReset = new JournalRecord(mars(1), new Checkpoint("mars@1", OptionalLong.of(1), 1));

        AppendResult result = append(List.of(afterReset));

        assertThat(result.appended()).singleElement().satisfies(entry -> {
            assertThat(entry.offset()).isEqualTo(3);
            assertThat(entry.epoch()).isEqualTo(1);
        });
        StepVerifier.create(journal.position())
                .expectNext(afterReset.position())
                .verifyComplete();
    }

    @Test
    void thePositionDoesNotMoveBackWhenABatchEndsBehindIt() {
        append(records(5, 9));

        AppendResult late = append(records(1, 3));

        assertThat(late.appended()).hasSize(3);
        assertThat(late.cursorAdvanced()).isFalse();
        StepVerifier.create(journal.position())
                .expectNext(Checkpoint.of("mars@9", 9))
                .verifyComplete();
    }

    @Test
    void aCursorMovedBackInANewEpochIsWhereTheSessionResumesAndWhatFollowsIsJournaledAgain() {
        append(records(1, 5));
        Checkpoint moved = new Checkpoint("mars@2", OptionalLong.of(2), 1);

        StepVerifier.create(journal.moveCursor(moved)).expectNext(true).verifyComplete();

        StepVerifier.create(journal.position()).expectNext(moved).verifyComplete();
        AppendResult again =
                append(List.of(new JournalRecord(mars(3), new Checkpoint("mars@3", OptionalLong.of(3), 1))));
        assertThat(again.appended()).extracting(JournalEntry::offset).containsExactly(6L);
        assertThat(readAll(JournalStart.beginning())).hasSize(6);
    }

    @Test
    void aCursorIsNotMovedBehindTheJournalsPositionInTheSameEpoch() {
        append(records(1, 5));

        StepVerifier.create(journal.moveCursor(Checkpoint.of("mars@2", 2)))
                .expectNext(false)
                .verifyComplete();

        StepVerifier.create(journal.position())
                .expectNext(Checkpoint.of("mars@5", 5))
                .verifyComplete();
    }

    @Test
    void aCursorCanBeSetBeforeAnythingWasJournaledWithAnOpaqueCursor() {
        Checkpoint opaque = Checkpoint.of("evt-abc");

        StepVerifier.create(journal.moveCursor(opaque)).expectNext(true).verifyComplete();

        StepVerifier.create(journal.position()).expectNext(opaque).verifyComplete();
        StepVerifier.create(journal.bounds())
                .assertNext(bounds -> assertThat(bounds.isEmpty()).isTrue())
                .verifyComplete();
    }

    @Test
    void cursorStoreCommitsAndTheJournalsPositionAreIndependent() {
        StepVerifier.create(store.cursors().commit(journal.sessionKey(), Checkpoint.of("mars@9", 9)))
                .expectNext(true)
                .verifyComplete();
        StepVerifier.create(journal.position()).verifyComplete();

        AppendResult result = append(records(1, 3));

        // a commit ahead of the journal neither blocks the journal's position nor is moved back
        assertThat(result.cursorAdvanced()).isTrue();
        StepVerifier.create(journal.position())
                .expectNext(Checkpoint.of("mars@3", 3))
                .verifyComplete();
        StepVerifier.create(store.cursors().load(journal.sessionKey()))
                .expectNext(Checkpoint.of("mars@9", 9))
                .verifyComplete();
    }

    @Test
    void unnumberedEventsAreNeverTakenForDuplicates() {
        // an SSE source that sends an id once: the events after it repeat it as their cursor
        List<JournalRecord> events = List.of(
                JournalRecord.of(Notifications.sse("a", "one")),
                JournalRecord.of(Notifications.sse("a", "two")),
                JournalRecord.of(Notifications.sse("a", "three")));

        AppendResult first = append(events.subList(0, 2));
        AppendResult second = append(events.subList(2, 3));

        assertThat(first.appended()).hasSize(2);
        assertThat(second.appended()).extracting(JournalEntry::offset).containsExactly(3L);
        assertThat(readAll(JournalStart.beginning()))
                .extracting(entry -> entry.notification().payload())
                .containsExactly("one", "two", "three");
    }

    @Test
    void concurrentAppendsToOneSessionGiveEachNotificationOneOffset() {
        int batches = 8;
        List<AppendResult> results = Flux.range(0, batches)
                .flatMap(batch -> journal.append(records(batch * 10L + 1, batch * 10L + 10)), batches)
                .collectList()
                .block(TIMEOUT);

        assertThat(results).hasSize(batches);
        List<JournalEntry> entries = readAll(JournalStart.beginning());
        assertThat(entries)
                .extracting(JournalEntry::offset)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, batches * 10L).boxed().toList());
        assertThat(entries)
                .extracting(entry -> entry.notification().sequence().getAsLong())
                .containsExactlyInAnyOrderElementsOf(
                        LongStream.rangeClosed(1, batches * 10L).boxed().toList());
    }

    @Test
    void anEmptyBatchChangesNothingAndTellsTheNewestOffset() {
        append(records(1, 2));

        AppendResult empty = append(List.of());

        assertThat(empty).isEqualTo(new AppendResult(List.of(), 0, 2, false));
    }

    @Test
    void entriesReadBackEqualToWhatWasAppended() {
        Notification timed = mars(7, Instant.parse("2026-11-22T07:59:00.987654321Z"));
        Notification opaque = Notifications.sse("ab-cd", "plain text");
        append(List.of(JournalRecord.of(timed), JournalRecord.of(opaque)));

        List<JournalEntry> read = readAll(JournalStart.beginning());

        assertThat(read)
                .extracting(JournalEntry::notification)
                .containsExactly(
                        new Notification(
                                timed.cursor(),
                                timed.sequence(),
                                timed.eventType(),
                                Instant.parse("2026-11-22T07:59:00.987654Z"),
                                timed.identifier(),
                                timed.payload(),
                                timed.raw()),
                        opaque);
        assertThat(read).extracting(JournalEntry::journaledAt).containsOnly(START);
    }

    @Test
    void textThatCopyLinesEscapeAndALargeBatchReadBackUnchanged() {
        List<String> awkward = List.of(
                "NULL",
                "null",
                "",
                " ",
                "\"",
                "\\",
                "{}",
                "{a,b}",
                "a,b",
                "(x)",
                "line\nbreak\ttab\r",
                "ünïcødé ☃ 𝄞",
                "'single'",
                "$1",
                "\\N");
        List<JournalRecord> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String text = awkward.get(i % awkward.size());
            Notification notification = new Notification(
                    text + "#" + i,
                    i % 3 == 0 ? OptionalLong.empty() : OptionalLong.of(i),
                    text.isEmpty() ? "empty" : text,
                    i % 2 == 0 ? null : START.minusSeconds(i),
                    Map.of("key", text, text.isEmpty() ? "k" : text, "v"),
                    i % 5 == 0 ? null : text,
                    "raw " + text);
            batch.add(JournalRecord.of(notification));
        }

        AppendResult result = append(batch);

        assertThat(result.appended()).hasSize(1000);
        assertThat(readAll(JournalStart.beginning()))
                .extracting(JournalEntry::notification)
                .containsExactlyElementsOf(
                        batch.stream().map(JournalRecord::notification).toList());
    }

    @Test
    void longMultiByteTextReadsBackUnchanged() {
        // past where H2 keeps a CLOB in memory (85 characters): these went through its LOB store
        String unit = "ünïcødé ☃ 𝄞 \"\\\t\n";
        String longText = unit.repeat(2_000);
        Notification full = new Notification(
                "c".repeat(300) + "𝄞",
                OptionalLong.of(1),
                "type " + unit.repeat(20),
                START,
                Map.of("k", longText),
                longText,
                "raw " + longText);
        Notification noPayload =
                new Notification("d".repeat(100), OptionalLong.of(2), "t", null, Map.of(), null, unit.repeat(20_000));

        append(List.of(JournalRecord.of(full), JournalRecord.of(noPayload)));

        assertThat(readAll(JournalStart.beginning()))
                .extracting(JournalEntry::notification)
                .containsExactly(full, noPayload);
    }

    @Test
    void readsAfterAnOffsetInOrderAcrossPages() {
        append(records(1, 1));
        append(records(2, 4));
        append(records(5, 54));
        append(records(55, 100));

        assertThat(readAll(JournalStart.beginning()))
                .extracting(JournalEntry::offset)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, 100).boxed().toList());
        assertThat(readAll(JournalStart.after(42)))
                .extracting(entry -> entry.notification().cursor())
                .containsExactlyElementsOf(LongStream.rangeClosed(43, 100)
                        .mapToObj(n -> "mars@" + n)
                        .toList());
        assertThat(readAll(JournalStart.after(98)))
                .extracting(JournalEntry::offset)
                .containsExactly(99L, 100L);
        assertThat(readAll(JournalStart.after(100))).isEmpty();
    }

    @Test
    void aReadDeliversOnlyWhatIsRequested() {
        append(records(1, 30));

        StepVerifier.create(journal.read(JournalStart.beginning()), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(3)
                .expectNextMatches(entry -> entry.offset() == 1)
                .expectNextCount(2)
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(20)
                .expectNextCount(19)
                .expectNextMatches(entry -> entry.offset() == 23)
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void readsFromAnUpstreamSequenceInTheLatestEpoch() {
        append(records(10, 19));
        append(LongStream.rangeClosed(1, 5)
                .mapToObj(n -> new JournalRecord(mars(n), new Checkpoint("mars@" + n, OptionalLong.of(n), 1)))
                .toList());

        assertThat(readAll(JournalStart.fromSequence(3)))
                .extracting(JournalEntry::offset, JournalEntry::epoch)
                .containsExactly(tuple(13L, 1L), tuple(14L, 1L), tuple(15L, 1L));
        StepVerifier.create(journal.resolve(JournalStart.fromSequence(6)))
                .expectNext(15L)
                .verifyComplete();
        assertThat(readAll(JournalStart.fromSequence(6))).isEmpty();
    }

    @Test
    void readsFromATime() {
        Instant t0 = Instant.parse("2026-11-22T06:00:00Z");
        append(LongStream.rangeClosed(1, 10)
                .mapToObj(n -> JournalRecord.of(mars(n, t0.plus(Duration.ofMinutes(n)))))
                .toList());
        clock.advance(Duration.ofMinutes(30));
        append(List.of(JournalRecord.of(mars(11))));

        assertThat(readAll(JournalStart.fromTime(t0.plus(Duration.ofMinutes(8)))))
                .extracting(JournalEntry::offset)
                .containsExactly(8L, 9L, 10L, 11L);
        assertThat(readAll(JournalStart.fromTime(START.plus(Duration.ofMinutes(1)))))
                .extracting(JournalEntry::offset)
                .containsExactly(11L);
        StepVerifier.create(journal.resolve(JournalStart.fromTime(START.plus(Duration.ofHours(1)))))
                .expectNext(11L)
                .verifyComplete();
    }

    @Test
    void boundsTellTheOldestAndNewestOffsets() {
        StepVerifier.create(journal.bounds())
                .assertNext(bounds -> {
                    assertThat(bounds).isEqualTo(new JournalBounds(1, 0));
                    assertThat(bounds.isEmpty()).isTrue();
                })
                .verifyComplete();

        append(records(1, 4));

        StepVerifier.create(journal.bounds())
                .expectNext(new JournalBounds(1, 4))
                .verifyComplete();
    }

    @Test
    void retentionKeepsTheNewestEntriesPerSession() {
        openAlone(new JournalRetention(Duration.ofHours(1), 10, 3), Duration.ofDays(1));
        append(records(1, 25));
        Journal other = store.journal(UUID.randomUUID().toString());
        StepVerifier.create(other.append(records(1, 4))).expectNextCount(1).verifyComplete();

        StepVerifier.create(store.purgeExpired()).expectNext(15L).verifyComplete();

        StepVerifier.create(journal.bounds())
                .expectNext(new JournalBounds(16, 25))
                .verifyComplete();
        StepVerifier.create(other.bounds()).expectNext(new JournalBounds(1, 4)).verifyComplete();
        assertThat(readAll(JournalStart.beginning()))
                .extracting(JournalEntry::offset)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(16, 25).boxed().toList());
    }

    @Test
    void retentionRemovesEntriesOlderThanTheMaximumAgeAndOffsetsKeepGrowing() {
        openAlone(new JournalRetention(Duration.ofHours(1), 10, 3), Duration.ofDays(1));
        append(records(1, 5));
        clock.advance(Duration.ofMinutes(50));
        append(records(6, 8));
        clock.advance(Duration.ofMinutes(20));

        StepVerifier.create(store.purgeExpired()).expectNext(5L).verifyComplete();
        StepVerifier.create(journal.bounds())
                .expectNext(new JournalBounds(6, 8))
                .verifyComplete();

        clock.advance(Duration.ofHours(2));
        StepVerifier.create(store.purgeExpired()).expectNext(3L).verifyComplete();
        StepVerifier.create(journal.bounds())
                .assertNext(bounds -> assertThat(bounds.isEmpty()).isTrue())
                .verifyComplete();

        assertThat(append(records(9, 9)).appended())
                .extracting(JournalEntry::offset)
                .containsExactly(9L);
        StepVerifier.create(journal.bounds())
                .expectNext(new JournalBounds(9, 9))
                .verifyComplete();
    }

    @Test
    void theBackgroundPurgeRunsOnItsInterval() {
        openAlone(new JournalRetention(Duration.ofHours(1), 2, 1), Duration.ofMillis(50));

        append(records(1, 6));

        JournalBounds purged = new JournalBounds(5, 6);
        StepVerifier.create(Flux.interval(Duration.ofMillis(20))
                        .onBackpressureDrop()
                        .concatMap(tick -> journal.bounds())
                        .filter(purged::equals)
                        .next())
                .expectNext(purged)
                .expectComplete()
                .verify(TIMEOUT);
    }

    /** Reopens on a database of this test's own, so that a purge sees no other test's journals. */
    private void openAlone(JournalRetention retention, Duration purgeInterval) {
        store.close();
        isolated = TestDatabase.create(JournalIntegrationTests.class, dialect);
        store = isolated.store()
                .clock(clock)
                .retention(retention)
                .purgeInterval(purgeInterval)
                .open();
        journal = store.journal(journal.sessionKey());
    }

    private AppendResult append(List<JournalRecord> records) {
        AppendResult result = journal.append(records).block(TIMEOUT);
        assertThat(result).isNotNull();
        return result;
    }

    private List<JournalEntry> readAll(JournalStart start) {
        List<JournalEntry> entries = journal.read(start).collectList().block(TIMEOUT);
        assertThat(entries).isNotNull();
        return entries;
    }

    private static List<JournalRecord> records(long first, long last) {
        return LongStream.rangeClosed(first, last)
                .mapToObj(n -> JournalRecord.of(mars(n)))
                .toList();
    }
}
