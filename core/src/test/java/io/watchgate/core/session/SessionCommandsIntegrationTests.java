package io.watchgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.watchgate.core.CheckpointedNotification;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchSession;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.core.testing.Await;
import io.watchgate.core.testing.RecordedRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The operator commands {@link WatchSession#reconnect()} and {@link WatchSession#moveCursor(Checkpoint)}
 * over real HTTP against the aviso test upstream.
 */
class SessionCommandsIntegrationTests extends AvisoSessionFixture {

    /** What one session delivered (with its checkpoints) and reported. */
    static final class Recording {
        final List<CheckpointedNotification> received = new CopyOnWriteArrayList<>();
        final List<SessionStatus> statuses = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        volatile boolean completed;

        List<Long> sequences() {
            return received.stream()
                    .map(n -> n.notification().sequence().getAsLong())
                    .toList();
        }

        List<Long> epochs() {
            return received.stream().map(n -> n.checkpoint().epoch()).toList();
        }

        List<String> reasons() {
            return statuses.stream().map(SessionStatus::reason).toList();
        }

        void awaitCount(int n) {
            awaitCount(n, WAIT);
        }

        void awaitCount(int n, Duration timeout) {
            Await.until(() -> received.size() >= n, timeout, () -> "expected " + n + " notifications; " + this);
        }

        /** Waits until {@code reason} is reported at or after {@code from}; returns its index. */
        int awaitReason(String reason, int from) {
            Await.until(() -> indexOf(reason, from) >= 0, WAIT, () -> "expected status " + reason + "; " + this);
            return indexOf(reason, from);
        }

        private int indexOf(String reason, int from) {
            List<String> reasons = reasons();
            for (int i = from; i < reasons.size(); i++) {
                if (reasons.get(i).equals(reason)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public String toString() {
            List<Long> sequences = sequences();
            List<String> reasons = reasons();
            return "received " + sequences.size() + " (last " + (sequences.isEmpty() ? "-" : sequences.getLast())
                    + "), errors " + errors + ", last statuses "
                    + reasons.subList(Math.max(0, reasons.size() - 12), reasons.size());
        }
    }

    Recording record(WatchSession session) {
        Recording recording = new Recording();
        subscriptions.add(session.status().subscribe(recording.statuses::add));
        subscriptions.add(session.checkpointed()
                .subscribe(recording.received::add, recording.errors::add, () -> recording.completed = true));
        return recording;
    }

    static void awaitState(WatchSession session, SessionState state) {
        Await.until(
                () -> session.snapshot().state() == state,
                WAIT,
                () -> "expected " + state + ", is " + session.snapshot().state());
    }

    static List<Long> range(long fromInclusive, long toInclusive) {
        return LongStream.rangeClosed(fromInclusive, toInclusive).boxed().toList();
    }

    @Test
    void reconnectWhileLiveResumesAfterTheLastDeliveredAndDeliversEachNotificationOnce() {
        publish(3);
        WatchSession session = client.session(mars().fromSequence(1));
        Recording recording = record(session);
        recording.awaitCount(3);
        awaitState(session, SessionState.LIVE);
        int before = recording.statuses.size();

        assertThat(session.reconnect()).isTrue();

        server.awaitWatchRequests(2, WAIT);
        RecordedRequest again = server.watchRequests().get(1);
        assertThat(again.fromId()).isEqualTo("4");
        int requested = recording.awaitReason("reconnect_requested", before);
        recording.awaitReason("connected", requested + 1);
        SessionStatus status = recording.statuses.get(requested);
        assertThat(status.state()).isEqualTo(SessionState.CONNECTING);
        assertThat(status.detail()).isEqualTo("after mars@3");
        assertThat(status.attempt()).isZero();
        Await.until(() -> server.openStreams() == 1, WAIT, "the old connection closed");
        assertThat(server.connectionCount()).isEqualTo(2);

        publish(3);
        recording.awaitCount(6);
        publish(1); // a last one: nothing repeated arrived before it
        recording.awaitCount(7);
        assertThat(recording.sequences()).isEqualTo(range(1, 7));
        assertThat(recording.epochs()).containsOnly(0L);
        assertThat(recording.errors).isEmpty();
        assertThat(recording.reasons()).doesNotContain("upstream_reset");
        assertThat(session.snapshot().state()).isEqualTo(SessionState.LIVE);
        assertThat(session.snapshot().attempt()).isZero();
        Await.until(() -> committedSequence(mars()) == 7, WAIT, () -> "committed " + store.snapshot());
    }

    @Test
    void reconnectsWhileNotificationsFlowLoseAndRepeatNothing() {
        int total = 3_000;
        int reconnects = 5;
        WatchSession session = client.session(mars().fromSequence(1));
        Recording recording = record(session);
        recording.awaitReason("connected", 0);
        subscriptions.add(Flux.range(0, total)
                .subscribeOn(Schedulers.boundedElastic())
                .subscribe(i -> server.publish("mars", Map.of("class", "od", "step", i), "p" + i)));
        for (int k = 1; k <= reconnects; k++) {
            recording.awaitCount(k * total / (reconnects + 1));
            assertThat(session.reconnect()).isTrue();
        }
        recording.awaitCount(total, Duration.ofSeconds(30));
        publish(1);
        recording.awaitCount(total + 1);
        assertThat(recording.sequences()).isEqualTo(range(1, total + 1));
        assertThat(recording.errors).isEmpty();
        assertThat(recording.reasons().stream().filter("reconnect_requested"::equals))
                .hasSize(reconnects);
        assertThat(recording.reasons()).doesNotContain("upstream_reset");
        assertThat(recording.statuses).noneMatch(s -> s.state() == SessionState.BACKING_OFF);
        assertThat(server.watchRequests()).hasSize(reconnects + 1);
    }

    @Test
    void aSubscriberMayReconnectFromItsOnNext() {
        publish(5);
        WatchSession session = client.session(mars().fromSequence(1));
        List<Long> sequences = new CopyOnWriteArrayList<>();
        List<Boolean> accepted = new CopyOnWriteArrayList<>();
        subscriptions.add(session.notifications().subscribe(n -> {
            sequences.add(n.sequence().getAsLong());
            if (n.sequence().getAsLong() == 3 && accepted.isEmpty()) {
                accepted.add(session.reconnect());
            }
        }));
        Await.until(() -> sequences.size() >= 5, WAIT, () -> "received " + sequences);
        assertThat(accepted).containsExactly(true);
        server.awaitWatchRequests(2, WAIT);
        // the first stream sent all five at once: what followed 3 on it was dropped, not delivered
        assertThat(server.watchRequests().get(1).fromId()).isEqualTo("4");
        publish(1);
        Await.until(() -> sequences.size() >= 6, WAIT, () -> "received " + sequences);
        assertThat(sequences).isEqualTo(range(1, 6));
    }

    @Test
    void reconnectCutsALongRetryAfterWaitShort() {
        server.failNext(1, 503, "60");
        publish(2);
        WatchSession session = client.session(mars().fromSequence(1));
        Recording recording = record(session);
        int waiting = recording.awaitReason("retry_after", 0);
        assertThat(recording.statuses.get(waiting).delay()).isEqualTo(Duration.ofSeconds(60));
        assertThat(recording.statuses.get(waiting).attempt()).isEqualTo(1);
        assertThat(session.snapshot().state()).isEqualTo(SessionState.BACKING_OFF);
        assertThat(server.watchRequests()).hasSize(1);

        assertThat(session.reconnect()).isTrue();

        // far below the 60 s the upstream asked for
        server.awaitWatchRequests(2, Duration.ofSeconds(3));
        RecordedRequest again = server.watchRequests().get(1);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.fromId()).isEqualTo("1");
        recording.awaitCount(2, Duration.ofSeconds(3));
        assertThat(recording.sequences()).containsExactly(1L, 2L);
        int requested = recording.awaitReason("reconnect_requested", waiting);
        assertThat(recording.statuses.get(requested).attempt()).isZero();
        assertThat(recording.statuses.get(requested).detail()).isEqualTo("from sequence 1");
        recording.awaitReason("connected", requested + 1);
        assertThat(session.snapshot().attempt()).isZero();
    }

    @Test
    void aStatusSubscriberMayReconnectAsItIsToldOfAWait() {
        server.failNext(1, 503, "60");
        publish(1);
        WatchSession session = client.session(mars().fromSequence(1));
        List<Boolean> accepted = new CopyOnWriteArrayList<>();
        // status entries are emitted while the session decides: the command arrives in the middle
        subscriptions.add(session.status()
                .filter(s -> s.reason().equals("retry_after"))
                .subscribe(s -> accepted.add(session.reconnect())));
        Recording recording = record(session);
        server.awaitWatchRequests(2, Duration.ofSeconds(3));
        recording.awaitCount(1, Duration.ofSeconds(3));
        assertThat(accepted).containsExactly(true);
        assertThat(recording.reasons()).containsSubsequence("retry_after", "reconnect_requested", "connected");
        // connected from sequence 1, the session replays until the upstream says it caught up
        awaitState(session, SessionState.LIVE);
    }

    @Test
    void reconnectLeavesAStalledConnectionWithoutWaitingForTheHeartbeatBudget() {
        server.stallNext(1);
        WatchSession session = client.session(mars());
        Recording recording = record(session);
        recording.awaitReason("connected", 0);
        int before = recording.statuses.size();

        assertThat(session.reconnect()).isTrue();

        server.awaitWatchRequests(2, Duration.ofSeconds(1));
        recording.awaitReason("connected", before);
        Await.until(() -> server.openStreams() == 1, WAIT, "the stalled connection closed");
        // the fixture's heartbeat budget is 2 s: the dropped connection's starvation never shows
        Await.holdsFor(
                Duration.ofMillis(2500),
                () -> recording.statuses.stream()
                        .noneMatch(
                                s -> s.reason().equals("heartbeat_starved") || s.state() == SessionState.BACKING_OFF),
                "no starvation or backoff is reported for the dropped connection");
        assertThat(server.watchRequests()).hasSize(2);
        publish(1);
        recording.awaitCount(1);
        assertThat(session.snapshot().state()).isEqualTo(SessionState.LIVE);
    }

    @Test
    void moveCursorBackwardsDeliversAgainWithTheNewEpochAndCommitsIt() {
        List<Checkpoint> commits = new CopyOnWriteArrayList<>();
        CursorStore recordingStore = new CursorStore() {
            @Override
            public Mono<Checkpoint> load(String sessionKey) {
                return store.load(sessionKey);
            }

            @Override
            public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
                commits.add(checkpoint);
                return store.commit(sessionKey, checkpoint);
            }
        };
        WatchClient recorded = clientBuilder().cursorStore(recordingStore).build();
        publish(5);
        WatchSession session = recorded.session(mars().fromSequence(1));
        Recording recording = record(session);
        recording.awaitCount(5);
        awaitState(session, SessionState.LIVE);
        Checkpoint five = new Checkpoint("mars@5", OptionalLong.of(5), 0);
        Await.until(() -> five.equals(store.snapshot().get(session.key())), WAIT, () -> "committed " + commits);
        int commitsBefore = commits.size();
        int before = recording.statuses.size();

        Checkpoint back = new Checkpoint("mars@2", OptionalLong.of(2), 1);
        assertThat(session.moveCursor(back)).isTrue();

        server.awaitWatchRequests(2, WAIT);
        assertThat(server.watchRequests().get(1).fromId()).isEqualTo("3");
        int moved = recording.awaitReason("cursor_moved", before);
        SessionStatus status = recording.statuses.get(moved);
        assertThat(status.state()).isEqualTo(SessionState.CONNECTING);
        assertThat(status.detail()).isEqualTo("after mars@2");
        assertThat(status.attempt()).isZero();
        recording.awaitReason("connected", moved + 1);
        recording.awaitCount(8);
        publish(1);
        recording.awaitCount(9);

        assertThat(recording.sequences()).containsExactly(1L, 2L, 3L, 4L, 5L, 3L, 4L, 5L, 6L);
        assertThat(recording.epochs()).containsExactly(0L, 0L, 0L, 0L, 0L, 1L, 1L, 1L, 1L);
        assertThat(recording.received.subList(5, 9))
                .extracting(CheckpointedNotification::checkpoint)
                .containsExactly(
                        new Checkpoint("mars@3", OptionalLong.of(3), 1),
                        new Checkpoint("mars@4", OptionalLong.of(4), 1),
                        new Checkpoint("mars@5", OptionalLong.of(5), 1),
                        new Checkpoint("mars@6", OptionalLong.of(6), 1));
        assertThat(recording.reasons()).doesNotContain("upstream_reset", "gap");
        assertThat(session.snapshot().counters().duplicates()).isZero();
        Checkpoint six = new Checkpoint("mars@6", OptionalLong.of(6), 1);
        Await.until(() -> six.equals(store.snapshot().get(session.key())), WAIT, () -> "committed " + commits);
        List<Checkpoint> afterMove = commits.subList(commitsBefore, commits.size());
        assertThat(afterMove).isNotEmpty().allSatisfy(c -> assertThat(c.epoch()).isEqualTo(1));
        assertThat(afterMove.getLast()).isEqualTo(six);
        assertThat(session.snapshot().position()).isEqualTo(six);
        Await.until(() -> six.equals(session.snapshot().committed()), WAIT, () -> "snapshot " + session.snapshot());
        recorded.close();
    }

    @Test
    void commandsAreRefusedBeforeTheSessionStartsAndOnceItEnded() {
        Checkpoint somewhere = Checkpoint.of("mars@1", 1);
        WatchSession session = client.session(mars());
        assertThat(session.reconnect()).isFalse();
        assertThat(session.moveCursor(somewhere)).isFalse();

        Recording recording = record(session);
        recording.awaitReason("connected", 0);
        session.stop();
        assertThat(session.reconnect()).isFalse();
        assertThat(session.moveCursor(somewhere)).isFalse();
        Await.until(() -> recording.completed, WAIT, "completed");
        assertThat(session.reconnect()).isFalse();
        assertThat(session.moveCursor(somewhere)).isFalse();

        assertThat(server.watchRequests()).hasSize(1);
        assertThat(recording.reasons()).doesNotContain("reconnect_requested", "cursor_moved");
        assertThat(recording.statuses.getLast().state()).isEqualTo(SessionState.STOPPED);
    }

    @Test
    void commandsAreRefusedOnceTheSubscriberCancelledOrTheSessionFailed() {
        WatchSession cancelled = client.session(mars());
        Recording recording = record(cancelled);
        recording.awaitReason("connected", 0);
        subscriptions.forEach(Disposable::dispose);
        awaitState(cancelled, SessionState.STOPPED);
        assertThat(cancelled.reconnect()).isFalse();
        assertThat(cancelled.moveCursor(Checkpoint.of("mars@1", 1))).isFalse();
        Await.until(() -> client.sessions().isEmpty(), WAIT, "the cancelled session unregistered");

        server.failNext(1, 403, null);
        WatchSession failed = client.session(mars());
        Recording rejected = record(failed);
        Await.until(() -> !rejected.errors.isEmpty(), WAIT, () -> "failed: " + rejected);
        assertThat(failed.reconnect()).isFalse();
        assertThat(failed.moveCursor(Checkpoint.of("mars@1", 1))).isFalse();
        assertThat(server.watchRequests()).hasSize(2);
    }

    @Test
    void commandsAreRefusedWhileTheCheckpointLoads() {
        Sinks.One<Checkpoint> stored = Sinks.one();
        AtomicBoolean loading = new AtomicBoolean();
        CursorStore slowLoad = new CursorStore() {
            @Override
            public Mono<Checkpoint> load(String sessionKey) {
                return Mono.defer(() -> {
                    loading.set(true);
                    return stored.asMono();
                });
            }

            @Override
            public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
                return store.commit(sessionKey, checkpoint);
            }
        };
        WatchClient slow = clientBuilder().cursorStore(slowLoad).build();
        publish(3);
        WatchSession session = slow.session(mars());
        Recording recording = record(session);
        Await.until(loading::get, WAIT, "the checkpoint is being loaded");

        assertThat(session.reconnect()).isFalse();
        assertThat(session.moveCursor(Checkpoint.of("mars@1", 1))).isFalse();
        assertThat(session.snapshot().state()).isEqualTo(SessionState.CONNECTING);

        stored.tryEmitValue(Checkpoint.of("mars@2", 2));
        recording.awaitCount(1);
        assertThat(recording.sequences()).containsExactly(3L);
        assertThat(server.watchRequests()).hasSize(1);
        assertThat(server.watchRequests().getFirst().fromId()).isEqualTo("3");
        assertThat(recording.reasons()).doesNotContain("reconnect_requested", "cursor_moved");
        assertThat(session.reconnect()).isTrue();
        server.awaitWatchRequests(2, WAIT);
        assertThat(server.watchRequests().get(1).fromId()).isEqualTo("4");
        slow.close();
    }

    @Test
    void transitionsAreLoggedWithStructuredFields() {
        Logger logger = (Logger) LoggerFactory.getLogger(SessionSupervisor.class);
        List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                events.add(event);
            }
        };
        appender.start();
        Level previous = logger.getLevel();
        logger.addAppender(appender);
        logger.setLevel(Level.INFO);
        try {
            WatchSession session = client.session(mars());
            Recording recording = record(session);
            recording.awaitReason("connected", 0);
            assertThat(session.reconnect()).isTrue();
            Await.until(
                    () -> events.stream()
                            .anyMatch(e -> e.getFormattedMessage().startsWith("event=session.reconnect_requested ")),
                    WAIT,
                    () -> "logged: " + events);
            ILoggingEvent logged = events.stream()
                    .filter(e -> e.getFormattedMessage().startsWith("event=session.reconnect_requested "))
                    .findFirst()
                    .orElseThrow();
            assertThat(logged.getLevel()).isEqualTo(Level.INFO);
            assertThat(logged.getFormattedMessage())
                    .isEqualTo("event=session.reconnect_requested session=" + session.key()
                            + " upstream=test state=CONNECTING attempt=0 delay_ms=0 detail=\"live\"");
            Map<String, Object> fields = new HashMap<>();
            for (KeyValuePair pair : logged.getKeyValuePairs()) {
                fields.put(pair.key, pair.value);
            }
            assertThat(fields)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            "session", session.key(),
                            "upstream", "test",
                            "state", "CONNECTING",
                            "reason", "reconnect_requested",
                            "attempt", 0));
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(previous);
            appender.stop();
        }
    }
}
