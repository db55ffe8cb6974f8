package io.watchgate.core.cursor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class InMemoryCursorStoreTests {

    private final InMemoryCursorStore store = new InMemoryCursorStore();

    @Test
    void anUnknownSessionLoadsEmpty() {
        StepVerifier.create(store.load("none")).verifyComplete();
    }

    @Test
    void theFirstCommitIsStoredAndLoaded() {
        Checkpoint checkpoint = Checkpoint.of("mars@5", 5);

        assertThat(store.commit("k", checkpoint).block()).isTrue();
        assertThat(store.load("k").block()).isEqualTo(checkpoint);
        assertThat(store.snapshot()).containsExactlyEntriesOf(Map.of("k", checkpoint));
    }

    @Test
    void itNeverMovesBackwards() {
        store.commit("k", Checkpoint.of("mars@10", 10)).block();

        assertThat(store.commit("k", Checkpoint.of("mars@9", 9)).block()).isFalse();
        assertThat(store.commit("k", Checkpoint.of("mars@10", 10)).block()).isFalse();
        assertThat(store.load("k").block()).isEqualTo(Checkpoint.of("mars@10", 10));

        assertThat(store.commit("k", Checkpoint.of("mars@11", 11)).block()).isTrue();
        assertThat(store.load("k").block()).isEqualTo(Checkpoint.of("mars@11", 11));
    }

    @Test
    void aLaterEpochReplacesAHigherSequence() {
        store.commit("k", Checkpoint.of("mars@900", 900)).block();
        Checkpoint afterReset = new Checkpoint("mars@2", OptionalLong.of(2), 1);

        assertThat(store.commit("k", afterReset).block()).isTrue();
        assertThat(store.commit("k", Checkpoint.of("mars@901", 901)).block()).isFalse();
        assertThat(store.load("k").block()).isEqualTo(afterReset);
    }

    @Test
    void opaqueCursorsReplaceEachOtherButNotThemselves() {
        store.commit("k", Checkpoint.of("a")).block();

        assertThat(store.commit("k", Checkpoint.of("a")).block()).isFalse();
        assertThat(store.commit("k", Checkpoint.of("b")).block()).isTrue();
        assertThat(store.load("k").block()).isEqualTo(Checkpoint.of("b"));
    }

    @Test
    void sessionsAreIndependent() {
        store.commit("one", Checkpoint.of("mars@100", 100)).block();

        assertThat(store.commit("two", Checkpoint.of("mars@1", 1)).block()).isTrue();
        assertThat(store.load("one").block()).isEqualTo(Checkpoint.of("mars@100", 100));
        assertThat(store.load("two").block()).isEqualTo(Checkpoint.of("mars@1", 1));
    }

    @Test
    void nothingHappensUntilSubscribed() {
        store.commit("k", Checkpoint.of("mars@1", 1));

        assertThat(store.snapshot()).isEmpty();
    }

    @Test
    void concurrentCommitsEndWithTheMaximum() throws Exception {
        int threads = 8;
        int perThread = 1000;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                results.add(executor.submit(() -> {
                    go.await();
                    // [0]: loads that saw a position behind this thread's own commit;
                    // [1]: 1 when this thread's last commit returned true
                    int[] counts = new int[2];
                    // thread t commits t, t+8, t+16, ...: the threads' sequences interleave. The
                    // in-memory store's Monos complete on subscription, so no thread but the test's
                    // needs block().
                    for (int i = 0; i < perThread; i++) {
                        long sequence = (long) i * threads + offset;
                        Checkpoint mine = Checkpoint.of("mars@" + sequence, sequence);
                        store.commit("k", mine).subscribe(stored -> counts[1] = stored ? 1 : 0);
                        store.load("k").subscribe(now -> counts[0] += mine.isAheadOf(now) ? 1 : 0);
                    }
                    return counts;
                }));
            }
            go.countDown();
            int backwards = 0;
            List<int[]> counts = new ArrayList<>();
            for (Future<int[]> result : results) {
                counts.add(result.get(30, TimeUnit.SECONDS));
                backwards += counts.getLast()[0];
            }

            long max = (long) threads * perThread - 1;
            assertThat(store.load("k").block()).isEqualTo(Checkpoint.of("mars@" + max, max));
            assertThat(backwards)
                    .as("loads that saw a position behind one already committed")
                    .isZero();
            assertThat(counts.getLast()[1])
                    .as("the commit of the maximum (by the last thread) was stored")
                    .isEqualTo(1);
            assertThat(store.commit("k", Checkpoint.of("mars@" + max, max)).block())
                    .isFalse();
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
