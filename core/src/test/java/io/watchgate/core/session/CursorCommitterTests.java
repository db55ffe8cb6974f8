package io.watchgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.core.cursor.InMemoryCursorStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

class CursorCommitterTests {

    private static final String KEY = "session-1";
    private static final Duration INTERVAL = Duration.ofSeconds(1);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<Checkpoint> committed = new CopyOnWriteArrayList<>();

    @AfterEach
    void disposeScheduler() {
        time.dispose();
    }

    private static Checkpoint seq(long sequence) {
        return Checkpoint.of("mars@" + sequence, sequence);
    }

    private CursorCommitter committer(CursorStore store, int batchSize) {
        CursorCommitter committer = new CursorCommitter(KEY, store, batchSize, INTERVAL, time, committed::add);
        committer.start();
        return committer;
    }

    /** A store that records every commit call and answers each with the Mono {@code answer} gives. */
    private static final class ScriptedStore implements CursorStore {

        final List<Checkpoint> calls = new CopyOnWriteArrayList<>();
        final InMemoryCursorStore delegate = new InMemoryCursorStore();
        volatile Function<Checkpoint, Mono<Boolean>> answer = checkpoint -> delegate.commit(KEY, checkpoint);

        @Override
        public Mono<Checkpoint> load(String sessionKey) {
            return delegate.load(sessionKey);
        }

        @Override
        public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
            assertThat(sessionKey).isEqualTo(KEY);
            calls.add(checkpoint);
            return answer.apply(checkpoint);
        }

        Checkpoint stored() {
            return delegate.snapshot().get(KEY);
        }
    }

    /** A store whose commits finish only when the test emits on their gate. */
    private static final class GatedStore implements CursorStore {

        final List<Checkpoint> calls = new CopyOnWriteArrayList<>();
        final List<Sinks.One<Boolean>> gates = new CopyOnWriteArrayList<>();

        @Override
        public Mono<Checkpoint> load(String sessionKey) {
            return Mono.empty();
        }

        @Override
        public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
            calls.add(checkpoint);
            Sinks.One<Boolean> gate = Sinks.one();
            gates.add(gate);
            return gate.asMono();
        }

        void open(int call, boolean stored) {
            assertThat(gates.get(call).tryEmitValue(stored)).isEqualTo(Sinks.EmitResult.OK);
        }

        void fail(int call) {
            assertThat(gates.get(call).tryEmitError(new IllegalStateException("store down")))
                    .isEqualTo(Sinks.EmitResult.OK);
        }
    }

    @Test
    void nothingIsCommittedBeforeTheBatchIsFullOrTheIntervalPassed() {
        ScriptedStore store = new ScriptedStore();
        CursorCommitter committer = committer(store, 3);

        committer.delivered(seq(1));
        committer.delivered(seq(2));
        time.advanceTimeBy(INTERVAL.minusNanos(1));

        assertThat(store.calls).isEmpty();
        assertThat(committed).isEmpty();
    }

    @Test
    void aFullBatchCommitsTheLatestCheckpointAtOnce() {
        ScriptedStore store = new ScriptedStore();
        CursorCommitter committer = committer(store, 3);

        committer.delivered(seq(1));
        committer.delivered(seq(2));
        committer.delivered(seq(3));

        assertThat(store.calls).containsExactly(seq(3));
        assertThat(store.stored()).isEqualTo(seq(3));
        assertThat(committed).containsExactly(seq(3));

        committer.delivered(seq(4));
        committer.delivered(seq(5));
        assertThat(store.calls).containsExactly(seq(3));
        committer.delivered(seq(6));
        assertThat(store.calls).containsExactly(seq(3), seq(6));
    }

    @Test
    void theIntervalCommitsWhatIsPending() {
        ScriptedStore store = new ScriptedStore();
        CursorCommitter committer = committer(store, 100);

        committer.delivered(seq(1));
        committer.delivered(seq(2));
        time.advanceTimeBy(INTERVAL.minusMillis(1));
        assertThat(store.calls).isEmpty();

        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(store.calls).containsExactly(seq(2));
        assertThat(committed).containsExactly(seq(2));

        // a tick with nothing pending does not touch the store
        time.advanceTimeBy(INTERVAL.multipliedBy(3));
        assertThat(store.calls).containsExactly(seq(2));

        committer.delivered(seq(3));
        time.advanceTimeBy(INTERVAL);
        assertThat(store.calls).containsExactly(seq(2), seq(3));
    }

    @Test
    void aCheckpointTheStoreKeptAnOlderOneOverIsNotReportedAsCommitted() {
        ScriptedStore store = new ScriptedStore();
        store.delegate.commit(KEY, seq(50)).block();
        CursorCommitter committer = committer(store, 1);

        committer.delivered(seq(7));

        assertThat(store.calls).containsExactly(seq(7));
        assertThat(store.stored()).isEqualTo(seq(50));
        assertThat(committed).isEmpty();
        // false is an answer, not a failure: it is not retried
        time.advanceTimeBy(INTERVAL.multipliedBy(3));
        assertThat(store.calls).containsExactly(seq(7));
    }

    @Test
    void atMostOneCommitIsInFlightAndTheLatestPendingFollowsIt() {
        GatedStore store = new GatedStore();
        CursorCommitter committer = committer(store, 1);

        committer.delivered(seq(1));
        committer.delivered(seq(2));
        committer.delivered(seq(3));
        time.advanceTimeBy(INTERVAL.multipliedBy(5));
        assertThat(store.calls).containsExactly(seq(1));

        store.open(0, true);

        assertThat(store.calls).containsExactly(seq(1), seq(3));
        assertThat(committed).containsExactly(seq(1));
        store.open(1, true);
        assertThat(committed).containsExactly(seq(1), seq(3));
    }

    @Test
    void closeFlushesThePendingCheckpointAndCompletesOnlyAfterTheStoreDid() {
        GatedStore store = new GatedStore();
        CursorCommitter committer = committer(store, 100);
        committer.delivered(seq(1));
        committer.delivered(seq(2));

        CompletableFuture<Void> closed = committer.close().toFuture();

        assertThat(store.calls).containsExactly(seq(2));
        assertThat(closed).isNotDone();
        assertThat(committed).isEmpty();

        store.open(0, true);

        assertThat(closed).isCompleted();
        assertThat(committed).containsExactly(seq(2));
    }

    @Test
    void closeWaitsForTheCommitInFlightAndThenCommitsTheNewerPendingOne() {
        GatedStore store = new GatedStore();
        CursorCommitter committer = committer(store, 2);
        committer.delivered(seq(1));
        committer.delivered(seq(2)); // batch full: commit of 2 in flight
        committer.delivered(seq(3)); // pending

        CompletableFuture<Void> closed = committer.close().toFuture();
        assertThat(store.calls).containsExactly(seq(2));

        store.open(0, true);
        assertThat(store.calls).containsExactly(seq(2), seq(3));
        assertThat(closed).isNotDone();

        store.open(1, true);
        assertThat(closed).isCompleted();
        assertThat(committed).containsExactly(seq(2), seq(3));
    }

    @Test
    void closeWithNothingPendingCompletesAtOnceAndStopsTheTimer() {
        ScriptedStore store = new ScriptedStore();
        CursorCommitter committer = committer(store, 100);

        CompletableFuture<Void> closed = committer.close().toFuture();

        assertThat(closed).isCompleted();
        assertThat(store.calls).isEmpty();

        // a delivery that completes after close (a subscriber cancelling inside onNext, as take(n)
        // does) is committed at once, exactly once: the interval timer is gone
        committer.delivered(seq(9));
        assertThat(store.calls).containsExactly(seq(9));
        time.advanceTimeBy(INTERVAL.multipliedBy(5));
        assertThat(store.calls).containsExactly(seq(9));
    }

    @Test
    void aFailedCommitIsRetriedOnTheNextTickNotInATightLoop() {
        ScriptedStore store = new ScriptedStore();
        store.answer = checkpoint -> Mono.error(new IllegalStateException("store down"));
        CursorCommitter committer = committer(store, 1);

        committer.delivered(seq(1));
        assertThat(store.calls).containsExactly(seq(1));

        time.advanceTimeBy(INTERVAL.minusMillis(1));
        assertThat(store.calls).hasSize(1);

        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(store.calls).containsExactly(seq(1), seq(1));
        time.advanceTimeBy(INTERVAL);
        assertThat(store.calls).containsExactly(seq(1), seq(1), seq(1));
        assertThat(committed).isEmpty();

        store.answer = checkpoint -> store.delegate.commit(KEY, checkpoint);
        time.advanceTimeBy(INTERVAL);
        assertThat(store.calls).hasSize(4);
        assertThat(store.stored()).isEqualTo(seq(1));
        assertThat(committed).containsExactly(seq(1));

        time.advanceTimeBy(INTERVAL.multipliedBy(5));
        assertThat(store.calls).hasSize(4);
    }

    @Test
    void aNewerCheckpointReplacesTheOneThatFailed() {
        GatedStore store = new GatedStore();
        CursorCommitter committer = committer(store, 100);
        committer.delivered(seq(1));
        time.advanceTimeBy(INTERVAL);
        assertThat(store.calls).containsExactly(seq(1));

        committer.delivered(seq(2));
        store.fail(0);
        assertThat(store.calls).hasSize(1);

        time.advanceTimeBy(INTERVAL);
        assertThat(store.calls).containsExactly(seq(1), seq(2));
    }

    @Test
    void aStoreThatThrowsInsteadOfReturningAnErrorIsTreatedAsAFailedCommit() {
        ScriptedStore store = new ScriptedStore();
        List<Integer> thrown = new ArrayList<>();
        store.answer = checkpoint -> {
            thrown.add(1);
            throw new IllegalStateException("broken store");
        };
        CursorCommitter committer = committer(store, 1);

        committer.delivered(seq(1));
        assertThat(thrown).hasSize(1);

        store.answer = checkpoint -> store.delegate.commit(KEY, checkpoint);
        time.advanceTimeBy(INTERVAL);

        assertThat(store.calls).containsExactly(seq(1), seq(1));
        assertThat(committed).containsExactly(seq(1));
        assertThat(committer.close().toFuture()).isCompleted();
    }

    @Test
    void atCloseAFailingCommitIsDroppedAndCloseStillCompletes() {
        ScriptedStore store = new ScriptedStore();
        store.answer = checkpoint -> Mono.error(new IllegalStateException("store down"));
        CursorCommitter committer = committer(store, 100);
        committer.delivered(seq(1));

        CompletableFuture<Void> closed = committer.close().toFuture();

        assertThat(closed).isCompleted();
        assertThat(store.calls).containsExactly(seq(1));
        assertThat(committed).isEmpty();
        time.advanceTimeBy(INTERVAL.multipliedBy(5));
        assertThat(store.calls).containsExactly(seq(1));
    }

    @Test
    void atCloseACommitInFlightThatFailsIsDroppedAndCloseCompletes() {
        GatedStore store = new GatedStore();
        CursorCommitter committer = committer(store, 1);
        committer.delivered(seq(1));

        CompletableFuture<Void> closed = committer.close().toFuture();
        assertThat(closed).isNotDone();

        store.fail(0);

        assertThat(closed).isCompleted();
        assertThat(store.calls).containsExactly(seq(1));
        assertThat(committed).isEmpty();
    }
}
