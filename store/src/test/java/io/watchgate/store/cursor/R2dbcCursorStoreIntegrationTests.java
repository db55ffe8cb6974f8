package io.watchgate.store.cursor;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.store.WatchgateStore;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.DialectDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The cursor store's contract, on PostgreSQL and on H2. */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class R2dbcCursorStoreIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final DialectDatabases databases = new DialectDatabases(R2dbcCursorStoreIntegrationTests.class);

    @Parameter
    Dialect dialect;

    private WatchgateStore store;
    private R2dbcCursorStore cursors;
    private String key;

    @BeforeEach
    void open() {
        store = databases.of(dialect).store().open();
        cursors = store.cursors();
        key = UUID.randomUUID().toString();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @AfterAll
    static void dropDatabases() {
        databases.close();
    }

    @Test
    void aSessionWithoutCommitsHasNoCheckpoint() {
        StepVerifier.create(cursors.load(key)).expectComplete().verify(TIMEOUT);
    }

    @Test
    void aCommittedCheckpointLoadsBackWithItsSequenceAndEpoch() {
        Checkpoint checkpoint = new Checkpoint("mars@42", OptionalLong.of(42), 3);

        StepVerifier.create(cursors.commit(key, checkpoint))
                .expectNext(true)
                .expectComplete()
                .verify(TIMEOUT);
        StepVerifier.create(cursors.load(key))
                .expectNext(checkpoint)
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void aCommitBehindOrEqualToTheStoredOneChangesNothingAndIsCounted() {
        commit(Checkpoint.of("mars@10", 10));
        long staleBefore = cursors.staleCommits();

        StepVerifier.create(cursors.commit(key, Checkpoint.of("mars@9", 9)))
                .expectNext(false)
                .verifyComplete();
        StepVerifier.create(cursors.commit(key, Checkpoint.of("mars@10", 10)))
                .expectNext(false)
                .verifyComplete();

        assertThat(cursors.staleCommits() - staleBefore).isEqualTo(2);
        StepVerifier.create(cursors.load(key))
                .expectNext(Checkpoint.of("mars@10", 10))
                .verifyComplete();
    }

    @Test
    void aLaterEpochIsAheadAlthoughItsSequenceIsLower() {
        commit(Checkpoint.of("mars@500", 500));
        Checkpoint afterReset = new Checkpoint("mars@1", OptionalLong.of(1), 1);

        StepVerifier.create(cursors.commit(key, afterReset)).expectNext(true).verifyComplete();
        StepVerifier.create(cursors.commit(key, Checkpoint.of("mars@501", 501)))
                .expectNext(false)
                .verifyComplete();
        StepVerifier.create(cursors.load(key)).expectNext(afterReset).verifyComplete();
    }

    @Test
    void opaqueCursorsMoveToAnyDifferentCursorButNotToTheSameOne() {
        commit(Checkpoint.of("a1b2"));

        StepVerifier.create(cursors.commit(key, Checkpoint.of("a1b2")))
                .expectNext(false)
                .verifyComplete();
        StepVerifier.create(cursors.commit(key, Checkpoint.of("c3d4")))
                .expectNext(true)
                .verifyComplete();
        StepVerifier.create(cursors.load(key)).expectNext(Checkpoint.of("c3d4")).verifyComplete();
    }

    @Test
    void twoCommittersRacingOnOneKeyLeaveTheMaximum() {
        List<Long> first = shuffled(LongStream.rangeClosed(1, 150).filter(n -> n % 2 == 1));
        List<Long> second = shuffled(LongStream.rangeClosed(1, 150).filter(n -> n % 2 == 0));

        Flux<Boolean> racers = Flux.merge(committer(key, first), committer(key, second));

        StepVerifier.create(racers.count()).expectNext(150L).verifyComplete();
        StepVerifier.create(cursors.load(key))
                .expectNext(Checkpoint.of("mars@150", 150))
                .verifyComplete();
    }

    @Test
    void racingFirstCommitsOfNewKeysBothSucceedOrReportStale() {
        List<String> keys = LongStream.range(0, 20).mapToObj(n -> key + "-" + n).toList();

        List<Boolean> ahead = new CopyOnWriteArrayList<>();
        List<Boolean> behind = new CopyOnWriteArrayList<>();
        Flux<Boolean> racers = Flux.fromIterable(keys)
                .flatMap(k -> Flux.merge(
                        cursors.commit(k, Checkpoint.of("mars@1", 1))
                                .subscribeOn(Schedulers.parallel())
                                .doOnNext(behind::add),
                        cursors.commit(k, Checkpoint.of("mars@2", 2))
                                .subscribeOn(Schedulers.parallel())
                                .doOnNext(ahead::add)));

        StepVerifier.create(racers.count()).expectNext(40L).verifyComplete();
        // mars@2 is ahead of whatever it meets; mars@1 is stored only when it came first
        assertThat(ahead).hasSize(20).containsOnly(true);
        assertThat(behind).hasSize(20);
        assertThat(cursors.staleCommits())
                .isEqualTo(behind.stream().filter(stored -> !stored).count());
        for (String k : keys) {
            StepVerifier.create(cursors.load(k))
                    .expectNext(Checkpoint.of("mars@2", 2))
                    .verifyComplete();
        }
    }

    private Flux<Boolean> committer(String sessionKey, List<Long> sequences) {
        return Flux.fromIterable(sequences)
                .flatMap(
                        n -> cursors.commit(sessionKey, Checkpoint.of("mars@" + n, n))
                                .subscribeOn(Schedulers.parallel()),
                        4);
    }

    private void commit(Checkpoint checkpoint) {
        StepVerifier.create(cursors.commit(key, checkpoint))
                .expectNext(true)
                .expectComplete()
                .verify(TIMEOUT);
    }

    private static List<Long> shuffled(LongStream numbers) {
        List<Long> list = new ArrayList<>(numbers.boxed().toList());
        Collections.shuffle(list);
        return list;
    }
}
