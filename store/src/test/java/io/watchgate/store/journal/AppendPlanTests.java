package io.watchgate.store.journal;

import static io.watchgate.store.testing.Notifications.mars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.store.testing.Notifications;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AppendPlanTests {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void newRecordsAreNumberedAfterTheNewestOffsetAndTheCursorMovesToTheLast() {
        AppendPlan plan = AppendPlan.of(
                new SessionHead(41, Checkpoint.of("mars@3", 3)),
                List.of(JournalRecord.of(mars(4)), JournalRecord.of(mars(5))),
                Set.of(),
                NOW);

        assertThat(plan.entries()).extracting(JournalEntry::offset).containsExactly(42L, 43L);
        assertThat(plan.entries()).extracting(JournalEntry::journaledAt).containsOnly(NOW);
        assertThat(plan.newestOffset()).isEqualTo(43);
        assertThat(plan.cursor()).isEqualTo(Checkpoint.of("mars@5", 5));
        assertThat(plan.result().cursorAdvanced()).isTrue();
    }

    @Test
    void journaledAndRepeatedRecordsAreSkippedWithoutLeavingGaps() {
        AppendPlan plan = AppendPlan.of(
                new SessionHead(2, Checkpoint.of("mars@2", 2)),
                List.of(
                        JournalRecord.of(mars(2)),
                        JournalRecord.of(mars(3)),
                        JournalRecord.of(mars(3)),
                        JournalRecord.of(mars(4))),
                Set.of(new AppendPlan.Key(0, 2)),
                NOW);

        assertThat(plan.entries())
                .extracting(entry -> entry.notification().cursor(), JournalEntry::offset)
                .containsExactly(tuple("mars@3", 3L), tuple("mars@4", 4L));
        assertThat(plan.duplicates()).isEqualTo(2);
    }

    @Test
    void aSequenceJournaledInAnotherEpochIsNotADuplicate() {
        JournalRecord afterReset = new JournalRecord(mars(1), new Checkpoint("mars@1", OptionalLong.of(1), 1));

        AppendPlan plan = AppendPlan.of(
                new SessionHead(9, Checkpoint.of("mars@9", 9)),
                List.of(afterReset),
                Set.of(new AppendPlan.Key(0, 1)),
                NOW);

        assertThat(plan.entries())
                .singleElement()
                .extracting(JournalEntry::epoch)
                .isEqualTo(1L);
        assertThat(plan.cursor()).isEqualTo(afterReset.position());
    }

    @Test
    void unnumberedRecordsAreAlwaysNew() {
        JournalRecord event = JournalRecord.of(Notifications.sse("a", "data"));

        AppendPlan plan = AppendPlan.of(new SessionHead(1, event.position()), List.of(event, event), Set.of(), NOW);

        assertThat(plan.entries()).extracting(JournalEntry::offset).containsExactly(2L, 3L);
        assertThat(plan.duplicates()).isZero();
    }

    @Test
    void duplicateLookupsCoverEachEpochsSequencesInBoundedRanges() {
        List<JournalRecord> batch = List.of(
                JournalRecord.of(mars(7)),
                JournalRecord.of(mars(5)),
                JournalRecord.of(Notifications.sse("x", "unnumbered")),
                JournalRecord.of(mars(6)),
                new JournalRecord(mars(2), new Checkpoint("mars@2", OptionalLong.of(2), 1)),
                JournalRecord.of(mars(5 + SequenceRange.MAX_WIDTH)),
                JournalRecord.of(mars(4 + SequenceRange.MAX_WIDTH)));

        assertThat(SequenceRange.covering(batch))
                .containsExactly(
                        // 5..1028 spans 1024 sequences: the widest one lookup covers
                        new SequenceRange(0, 5, 4 + SequenceRange.MAX_WIDTH),
                        new SequenceRange(0, 5 + SequenceRange.MAX_WIDTH, 5 + SequenceRange.MAX_WIDTH),
                        new SequenceRange(1, 2, 2));
        assertThat(SequenceRange.covering(List.of(JournalRecord.of(Notifications.sse("x", "y")))))
                .isEmpty();
    }

    @Test
    void theCursorStaysWhenTheStoredOneIsNotBehindTheBatch() {
        AppendPlan plan = AppendPlan.of(
                new SessionHead(0, Checkpoint.of("mars@9", 9)), List.of(JournalRecord.of(mars(1))), Set.of(), NOW);

        assertThat(plan.entries()).hasSize(1);
        assertThat(plan.cursor()).isNull();
        assertThat(plan.changesSession()).isTrue();
    }

    @Test
    void anEmptyBatchChangesNothing() {
        AppendPlan plan = AppendPlan.of(new SessionHead(5, null), List.of(), Set.of(), NOW);

        assertThat(plan.changesSession()).isFalse();
        assertThat(plan.result()).isEqualTo(new AppendResult(List.of(), 0, 5, false));
    }

    @Test
    void aRecordMustBePositionedAtItsOwnCursor() {
        assertThatThrownBy(() -> new JournalRecord(mars(1), Checkpoint.of("mars@2", 2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void insertsAreSplitIntoFewStatementShapes() {
        assertThat(Journal.insertChunks(0)).isEmpty();
        assertThat(Journal.insertChunks(300)).extracting(Journal.Chunk::size).containsExactly(256, 32, 8, 4);
        assertThat(Journal.insertChunks(513)).extracting(Journal.Chunk::size).containsExactly(256, 256, 1);
        for (int size = 1; size <= 1_100; size++) {
            List<Journal.Chunk> chunks = Journal.insertChunks(size);
            assertThat(chunks.getFirst().from()).isZero();
            assertThat(chunks.getLast().to()).isEqualTo(size);
            for (int i = 1; i < chunks.size(); i++) {
                assertThat(chunks.get(i).from()).isEqualTo(chunks.get(i - 1).to());
            }
            assertThat(chunks)
                    .allSatisfy(
                            chunk -> assertThat(Integer.bitCount(chunk.size())).isOne());
            assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.size()).isLessThanOrEqualTo(256));
        }
    }
}
