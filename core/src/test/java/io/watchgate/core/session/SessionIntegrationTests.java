package io.watchgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.CursorStoreException;
import io.watchgate.core.Notification;
import io.watchgate.core.SessionConflictException;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.UpstreamRejectedException;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchException;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.WatchSession;
import io.watchgate.core.auth.AuthProvider;
import io.watchgate.core.auth.ClientCredentials;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import io.watchgate.core.testing.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Session behaviour over real HTTP against the aviso test upstream. */
class SessionIntegrationTests extends AvisoSessionFixture {

    /** Subscribes and records what arrives. */
    Recorder record(WatchSession session) {
        Recorder recorder = new Recorder();
        subscriptions.add(session.status().subscribe(recorder.statuses::add));
        subscriptions.add(session.notifications()
                .subscribe(recorder.notifications::add, recorder.errors::add, () -> recorder.completed = true));
        return recorder;
    }

    static final class Recorder {
        final List<Notification> notifications = new CopyOnWriteArrayList<>();
        final List<SessionStatus> statuses = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        volatile boolean completed;

        List<Long> sequences() {
            return notifications.stream().map(n -> n.sequence().getAsLong()).toList();
        }

        List<String> reasons() {
            return statuses.stream().map(SessionStatus::reason).toList();
        }

        void awaitCount(int n) {
            awaitCount(n, WAIT);
        }

        void awaitCount(int n, Duration timeout) {
            Await.until(() -> notifications.size() >= n, timeout, () -> "expected " + n + " notifications; " + this);
        }

        @Override
        public String toString() {
            List<Long> sequences = sequences();
            List<String> reasons = reasons();
            return "received " + sequences.size() + " (last " + (sequences.isEmpty() ? "-" : sequences.getLast())
                    + "), errors " + errors + ", last statuses "
                    + reasons.subList(Math.max(0, reasons.size() - 12), reasons.size());
        }

        void awaitReason(String reason) {
            Await.until(() -> reasons().contains(reason), WAIT, () -> "expected status " + reason + " in " + reasons());
        }
    }

    static List<Long> range(long fromInclusive, long toInclusive) {
        return java.util.stream.LongStream.rangeClosed(fromInclusive, toInclusive)
                .boxed()
                .toList();
    }

    @Nested
    class Start {

        @Test
        void anExplicitStartWinsOverTheStoredCheckpoint() {
            publish(10);
            store.commit(client.sessionKey(mars()), Checkpoint.of("mars@8", 8)).block();
            StepVerifier.create(client.watch(mars().fromSequence(3))
                            .take(3)
                            .map(n -> n.sequence().getAsLong()))
                    .expectNext(3L, 4L, 5L)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(server.watchRequests().getFirst().fromId()).isEqualTo("3");
        }

        @Test
        void resumesAfterTheStoredCheckpoint() {
            publish(10);
            store.commit(client.sessionKey(mars()), Checkpoint.of("mars@8", 8)).block();
            StepVerifier.create(
                            client.watch(mars()).take(2).map(n -> n.sequence().getAsLong()))
                    .expectNext(9L, 10L)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(server.watchRequests().getFirst().fromId()).isEqualTo("9");
        }

        @Test
        void withoutStartOrCheckpointAWatchIsLive() {
            publish(3);
            WatchSession session = client.session(mars());
            Recorder recorder = record(session);
            server.awaitOpenStreams(1, WAIT);
            recorder.awaitReason("connected");
            publish(2);
            recorder.awaitCount(2);
            assertThat(recorder.sequences()).containsExactly(4L, 5L);
            RecordedRequest request = server.watchRequests().getFirst();
            assertThat(request.json()).doesNotContainKeys("from_id", "from_date");
            assertThat(session.snapshot().state()).isEqualTo(SessionState.LIVE);
        }

        @Test
        void replayOnlyWithoutAStartFailsWithoutConnecting() {
            StepVerifier.create(client.watch(mars().replayOnly()))
                    .expectErrorSatisfies(error -> assertThat(error)
                            .isInstanceOf(WatchException.class)
                            .hasMessageContaining("replay-only session needs a start"))
                    .verify(WAIT);
            assertThat(server.watchRequests()).isEmpty();
        }

        @Test
        void aFailingStoreReadIsTheFirstSignal() {
            CursorStore broken = new CursorStore() {
                @Override
                public Mono<Checkpoint> load(String sessionKey) {
                    return Mono.error(new IllegalStateException("database is down"));
                }

                @Override
                public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
                    return Mono.just(true);
                }
            };
            WatchClient brokenClient = clientBuilder().cursorStore(broken).build();
            StepVerifier.create(brokenClient.watch(mars()))
                    .expectErrorSatisfies(error -> assertThat(error)
                            .isInstanceOf(CursorStoreException.class)
                            .hasMessageContaining("database is down"))
                    .verify(WAIT);
            assertThat(server.watchRequests()).isEmpty();
        }

        @Test
        void replayOnlyReplaysHistoryThenCompletesAndCommits() {
            publish(5);
            StepVerifier.create(client.watch(mars().replayOnly().fromSequence(2))
                            .map(n -> n.sequence().getAsLong()))
                    .expectNext(2L, 3L, 4L, 5L)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(server.watchRequests().getFirst().path()).isEqualTo(AvisoTestServer.REPLAY_PATH);
            Await.until(() -> committedSequence(mars().replayOnly()) == 5, WAIT, "cursor flushed on completion");
        }
    }

    @Nested
    class Recovery {

        @Test
        void aDroppedConnectionReconnectsAndResumesAfterTheLastDelivered() {
            publish(10);
            server.dropAfter(4);
            WatchSession session = client.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(10);
            assertThat(recorder.sequences()).isEqualTo(range(1, 10));
            List<RecordedRequest> requests = server.watchRequests();
            assertThat(requests).hasSizeGreaterThanOrEqualTo(2);
            assertThat(requests.get(0).fromId()).isEqualTo("1");
            assertThat(requests.get(1).fromId()).isEqualTo("5");
            assertThat(recorder.statuses).anySatisfy(s -> {
                assertThat(s.state()).isEqualTo(SessionState.BACKING_OFF);
                assertThat(s.reason()).isIn("transport_error", "unexpected_eof");
                assertThat(s.delay()).isEqualTo(Duration.ofMillis(20));
            });
        }

        @Test
        void serverErrorsBackOffExponentially() {
            server.failNext(3, 500, null);
            publish(1);
            StepVerifier.create(client.watch(mars().fromSequence(1))
                            .take(1)
                            .map(n -> n.sequence().getAsLong()))
                    .expectNext(1L)
                    .expectComplete()
                    .verify(WAIT);
            List<RecordedRequest> requests = server.watchRequests();
            assertThat(requests).extracting(RecordedRequest::status).containsExactly(500, 500, 500, 200);
            // 20, 40, 80 ms between attempts (jitter off)
            assertThat(Duration.between(
                            requests.get(2).receivedAt(), requests.get(3).receivedAt()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(80));
        }

        @Test
        void serviceUnavailableHonoursRetryAfterSeconds() {
            server.failNext(1, 503, "1");
            publish(1);
            WatchSession session = client.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(1);
            List<RecordedRequest> requests = server.watchRequests();
            assertThat(Duration.between(
                            requests.get(0).receivedAt(), requests.get(1).receivedAt()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(950));
            assertThat(recorder.statuses).anySatisfy(s -> {
                assertThat(s.reason()).isEqualTo("retry_after");
                assertThat(s.delay()).isEqualTo(Duration.ofSeconds(1));
            });
        }

        @Test
        void tooManyRequestsHonoursRetryAfterAsAnHttpDateBoundedByTheMaximum() {
            String inAnHour = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    Instant.now().plusSeconds(3600).atZone(ZoneOffset.UTC));
            server.failNext(1, 429, inAnHour);
            publish(1);
            WatchClient bounded =
                    clientBuilder().maxRetryAfter(Duration.ofMillis(300)).build();
            WatchSession session = bounded.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(1);
            assertThat(recorder.statuses).anySatisfy(s -> {
                assertThat(s.reason()).isEqualTo("retry_after");
                assertThat(s.delay()).isEqualTo(Duration.ofMillis(300));
            });
            bounded.close();
        }

        @Test
        void aStarvedConnectionIsDroppedAndReopened() {
            publish(3);
            server.stallAfter(2);
            WatchClient impatient =
                    clientBuilder().heartbeatTimeout(Duration.ofSeconds(1)).build();
            WatchSession session = impatient.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(3);
            assertThat(recorder.sequences()).containsExactly(1L, 2L, 3L);
            assertThat(recorder.reasons()).contains("heartbeat_starved");
            assertThat(server.watchRequests().getLast().fromId()).isEqualTo("3");
            impatient.close();
        }

        @Test
        void heartbeatsKeepAQuietConnectionAlive() {
            WatchClient patient =
                    clientBuilder().heartbeatTimeout(Duration.ofSeconds(1)).build();
            WatchSession session = patient.session(mars());
            Recorder recorder = record(session);
            recorder.awaitReason("connected");
            int connections = server.connectionCount();
            Await.holdsFor(
                    Duration.ofMillis(2500),
                    () -> server.connectionCount() == connections,
                    "no reconnection while heartbeats flow");
            assertThat(session.snapshot().state()).isEqualTo(SessionState.LIVE);
            patient.close();
        }

        @Test
        void connectionClosingReconnectsAtOnceWithTheCounterReset() {
            publish(2);
            WatchSession session = client.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(2);
            server.awaitOpenStreams(1, WAIT);
            server.closeGracefully("max_duration_reached");
            server.awaitWatchRequests(2, WAIT);
            assertThat(server.watchRequests().get(1).fromId()).isEqualTo("3");
            recorder.awaitReason("server_closing");
            assertThat(recorder.statuses).noneMatch(s -> s.state() == SessionState.BACKING_OFF);
            publish(1);
            recorder.awaitCount(3);
            assertThat(session.snapshot().attempt()).isZero();
        }

        @Test
        void terminalStatusesFailWithStatusBodyAndRequestId() {
            for (int status : new int[] {400, 403, 404}) {
                server.failNext(1, status, null);
                StepVerifier.create(client.watch(mars()))
                        .expectErrorSatisfies(error -> {
                            UpstreamRejectedException rejected = (UpstreamRejectedException) error;
                            assertThat(rejected.status()).isEqualTo(status);
                            assertThat(rejected.body()).contains("\"code\"");
                            assertThat(rejected.requestId())
                                    .isEqualTo(server.watchRequests().getLast().requestId());
                        })
                        .verify(WAIT);
            }
            assertThat(server.watchRequests()).hasSize(3);
        }

        @Test
        void malformedFramesAreCountedAndReportedAndTheSessionGoesOn() {
            WatchSession session = client.session(mars());
            Recorder recorder = record(session);
            server.awaitOpenStreams(1, WAIT);
            recorder.awaitReason("connected");
            for (AvisoTestServer.Malformed kind : AvisoTestServer.Malformed.values()) {
                server.emitMalformed(kind);
            }
            publish(2);
            recorder.awaitCount(2);
            assertThat(recorder.sequences()).containsExactly(1L, 2L);
            Await.until(
                    () -> session.snapshot().counters().malformed() == AvisoTestServer.Malformed.values().length,
                    WAIT,
                    () -> "malformed count " + session.snapshot().counters());
            assertThat(recorder.statuses.stream().filter(s -> s.reason().equals("malformed_frame")))
                    .hasSize(AvisoTestServer.Malformed.values().length);
            assertThat(server.connectionCount()).isEqualTo(1);
        }
    }

    @Nested
    class Auth {

        @Test
        void an401RefreshesOnceAndRetriesAtOnce() {
            server.requireBearer(Duration.ofMinutes(5));
            WatchClient authed = clientBuilder()
                    .auth(AuthProvider.clientCredentials(ClientCredentials.of(
                            server.tokenUri(),
                            AvisoTestServer.DEFAULT_CLIENT_ID,
                            AvisoTestServer.DEFAULT_CLIENT_SECRET)))
                    .build();
            publish(2);
            WatchSession session = authed.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(2);
            assertThat(server.tokenRequests()).isEqualTo(1);
            server.expireAllTokens();
            server.dropOpenStreams();
            publish(1);
            recorder.awaitCount(3);
            assertThat(recorder.sequences()).containsExactly(1L, 2L, 3L);
            assertThat(server.tokenRequests()).isEqualTo(2);
            assertThat(recorder.reasons()).contains("unauthorized", "auth_refreshed");
            List<RecordedRequest> requests = server.watchRequests();
            RecordedRequest rejected =
                    requests.stream().filter(r -> r.status() == 401).findFirst().orElseThrow();
            RecordedRequest retried = requests.get(requests.indexOf(rejected) + 1);
            assertThat(retried.status()).isEqualTo(200);
            assertThat(retried.authorization()).isNotEqualTo(rejected.authorization());
            authed.close();
        }

        @Test
        void aSecond401AfterRefreshingIsTerminal() {
            server.requireBearer(Duration.ofMinutes(5)).acceptStaticToken("right");
            WatchClient wrong =
                    clientBuilder().auth(AuthProvider.bearer("wrong")).build();
            StepVerifier.create(wrong.watch(mars()))
                    .expectErrorSatisfies(error -> {
                        assertThat(error)
                                .isInstanceOf(UpstreamRejectedException.class)
                                .hasMessageContaining("after refreshing");
                        assertThat(((UpstreamRejectedException) error).status()).isEqualTo(401);
                    })
                    .verify(WAIT);
            assertThat(server.watchRequests())
                    .extracting(RecordedRequest::status)
                    .containsExactly(401, 401);
            wrong.close();
        }

        @Test
        void an401WithoutAnAuthProviderIsTerminal() {
            server.requireBearer(Duration.ofMinutes(5));
            StepVerifier.create(client.watch(mars()))
                    .expectErrorSatisfies(error -> {
                        UpstreamRejectedException rejected = (UpstreamRejectedException) error;
                        assertThat(rejected.status()).isEqualTo(401);
                        assertThat(rejected.body()).contains("UNAUTHORIZED");
                        assertThat(rejected.requestId())
                                .isEqualTo(server.watchRequests().getFirst().requestId());
                    })
                    .verify(WAIT);
            assertThat(server.watchRequests()).hasSize(1);
        }
    }

    @Nested
    class Sequences {

        @Test
        void fromDateOnlyBootstrapsTheFirstConnection() {
            publish(2);
            Instant after = Instant.now();
            Await.until(() -> Instant.now().isAfter(after), WAIT, "clock moved");
            publish(3);
            server.dropAfter(2);
            WatchSession session = client.session(mars().fromDate(after));
            Recorder recorder = record(session);
            recorder.awaitCount(3);
            assertThat(recorder.sequences()).containsExactly(3L, 4L, 5L);
            List<RecordedRequest> requests = server.watchRequests();
            assertThat(requests.get(0).json()).containsKey("from_date").doesNotContainKey("from_id");
            assertThat(requests.get(1).fromId()).isEqualTo("5");
            assertThat(requests.get(1).json()).doesNotContainKey("from_date");
        }

        @Test
        void duplicatesAtTheReplayLiveHandoverAreDropped() {
            publish(5);
            server.duplicateAtHandover(true);
            WatchSession session = client.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(5);
            publish(1);
            recorder.awaitCount(6);
            assertThat(recorder.sequences()).isEqualTo(range(1, 6));
            assertThat(session.snapshot().counters().duplicates()).isEqualTo(AvisoTestServer.HANDOVER_DUPLICATES);
        }

        @Test
        void aForwardJumpIsReportedAsAGap() {
            publish(2);
            server.skipSequences(5);
            publish(1);
            WatchSession session = client.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(3);
            assertThat(recorder.sequences()).containsExactly(1L, 2L, 8L);
            recorder.awaitReason("gap");
            assertThat(session.snapshot().counters().gaps()).isEqualTo(1);
            assertThat(recorder.errors).isEmpty();
        }

        @Test
        void anUpstreamResetIsReportedAcceptedAndTheCursorFollowsIt() {
            publish(5);
            WatchSession session = client.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(5);
            server.simulateRestart();
            server.dropOpenStreams();
            Await.until(
                    () -> recorder.reasons().stream()
                                    .filter("connected"::equals)
                                    .count()
                            == 2,
                    WAIT,
                    () -> "reconnected: " + recorder);
            assertThat(server.watchRequests().get(1).fromId()).isEqualTo("6");
            publish(2);
            recorder.awaitCount(7);
            assertThat(recorder.sequences()).containsExactly(1L, 2L, 3L, 4L, 5L, 1L, 2L);
            recorder.awaitReason("upstream_reset");
            Await.until(
                    () -> {
                        Checkpoint committed = store.snapshot().get(session.key());
                        return committed != null
                                && committed.epoch() == 1
                                && committed.sequence().getAsLong() == 2;
                    },
                    WAIT,
                    () -> "committed " + store.snapshot());
        }
    }

    @Nested
    class Commits {

        @Test
        void aCursorIsCommittedOnlyAfterTheSubscriberReceivedTheNotification() {
            publish(20);
            List<String> violations = new CopyOnWriteArrayList<>();
            WatchRequest request = mars().fromSequence(1);
            StepVerifier.create(client.watch(request).take(20).doOnNext(n -> {
                        long committed = committedSequence(request);
                        if (committed >= n.sequence().getAsLong()) {
                            violations.add(n.cursor() + " already committed as " + committed);
                        }
                    }))
                    .expectNextCount(20)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(violations).isEmpty();
            Await.until(() -> committedSequence(request) == 19, WAIT, "all but the one whose onNext cancelled");
        }

        @Test
        void commitsAreBatchedAndThePendingOneIsFlushedOnCancel() {
            publish(250);
            WatchClient batched =
                    clientBuilder().commitEvery(100, Duration.ofHours(1)).build();
            WatchRequest request = mars().fromSequence(1);
            AtomicLong received = new AtomicLong();
            Disposable subscription = batched.watch(request).subscribe(n -> received.incrementAndGet());
            Await.until(() -> received.get() == 250, WAIT, "all received");
            Await.until(
                    () -> committedSequence(request) == 200,
                    WAIT,
                    () -> "batch commits, got " + committedSequence(request));
            Await.holdsFor(
                    Duration.ofMillis(200), () -> committedSequence(request) == 200, "no commit between batches");
            subscription.dispose();
            Await.until(() -> committedSequence(request) == 250, WAIT, "flushed on cancel");
            batched.close();
        }

        @Test
        void thePendingCursorIsFlushedOnError() {
            publish(3);
            WatchClient batched =
                    clientBuilder().commitEvery(1000, Duration.ofHours(1)).build();
            WatchRequest request = mars().fromSequence(1);
            server.dropAfter(3);
            server.failNext(1, 403, null);
            StepVerifier.create(batched.watch(request))
                    .expectNextCount(3)
                    .expectError(UpstreamRejectedException.class)
                    .verify(WAIT);
            Await.until(() -> committedSequence(request) == 3, WAIT, "flushed on error");
            batched.close();
        }
    }

    @Nested
    class Lifecycle {

        @Test
        void cancellingClosesTheConnectionPromptlyAndFlushesTheCursor() {
            publish(5);
            WatchRequest request = mars().fromSequence(1);
            WatchClient batched =
                    clientBuilder().commitEvery(1000, Duration.ofHours(1)).build();
            StepVerifier.create(batched.watch(request).take(5))
                    .expectNextCount(5)
                    .expectComplete()
                    .verify(WAIT);
            Await.until(() -> server.openStreams() == 0, Duration.ofSeconds(2), "upstream connection closed");
            // the 5th notification's onNext cancelled the subscription (take): it is not committed
            Await.until(() -> committedSequence(request) == 4, WAIT, () -> "flushed on cancel: " + store.snapshot());
            Await.holdsFor(Duration.ofMillis(200), () -> committedSequence(request) == 4, "the 5th stays uncommitted");
            batched.close();
        }

        @Test
        void closingTheClientWaitsForTheFinalCursorFlush() {
            WatchRequest request = mars().fromSequence(1);
            WatchClient slowStore = receivingWithSlowCommits(request, 3);

            slowStore.close();

            // no wait here: close() returned only after the commit that takes 300 ms was stored
            assertThat(committedSequence(request)).isEqualTo(3);
        }

        @Test
        void closingGracefullyCompletesOnceTheCursorsAreFlushed() {
            WatchRequest request = mars().fromSequence(1);
            WatchClient slowStore = receivingWithSlowCommits(request, 2);

            StepVerifier.create(slowStore.closeGracefully()).expectComplete().verify(WAIT);

            assertThat(committedSequence(request)).isEqualTo(2);
            StepVerifier.create(slowStore.watch(mars()))
                    .expectErrorMessage("the client is closed")
                    .verify(WAIT);
        }

        /** A client whose commits take 300 ms, once it received {@code count} notifications. */
        private WatchClient receivingWithSlowCommits(WatchRequest request, int count) {
            publish(count);
            WatchClient slow = clientBuilder()
                    .cursorStore(slowCommits(Duration.ofMillis(300)))
                    .commitEvery(1000, Duration.ofHours(1))
                    .build();
            AtomicLong received = new AtomicLong();
            subscriptions.add(slow.watch(request).subscribe(n -> received.incrementAndGet()));
            Await.until(() -> received.get() == count, WAIT, "all received");
            return slow;
        }

        @Test
        void aSecondConcurrentSessionWithTheSameKeyIsRefused() {
            WatchSession first = client.session(mars());
            Recorder recorder = record(first);
            server.awaitOpenStreams(1, WAIT);
            StepVerifier.create(client.watch(mars().fromSequence(1)))
                    .expectErrorSatisfies(error -> assertThat(error)
                            .isInstanceOf(SessionConflictException.class)
                            .hasMessageContaining(first.key()))
                    .verify(WAIT);
            first.stop();
            Await.until(() -> recorder.completed, WAIT, "first session completed");
            Await.until(() -> client.sessions().isEmpty(), WAIT, "first session unregistered");
            StepVerifier.create(client.watch(mars()).take(Duration.ofMillis(200)))
                    .expectComplete()
                    .verify(WAIT);
        }

        @Test
        void closingTheClientCompletesEverySession() {
            Recorder one = record(client.session(mars()));
            Recorder two = record(client.session(WatchRequest.aviso("diss")));
            server.awaitOpenStreams(2, WAIT);
            client.close();
            Await.until(() -> one.completed && two.completed, WAIT, "sessions completed");
            Await.until(() -> server.openStreams() == 0, WAIT, "connections closed");
            assertThat(one.statuses.getLast().state()).isEqualTo(SessionState.STOPPED);
        }

        @Test
        void theStatusStreamShowsEveryTransition() {
            publish(2);
            server.dropAfter(2);
            WatchSession session = client.session(mars().fromSequence(1));
            Recorder recorder = record(session);
            recorder.awaitCount(2);
            Await.until(
                    () -> server.watchRequests().size() == 2
                            && session.snapshot().state() == SessionState.LIVE,
                    WAIT,
                    () -> "reconnected: " + recorder.reasons());
            session.stop();
            Await.until(() -> recorder.completed, WAIT, "completed");
            Await.until(() -> recorder.statuses.getLast().state() == SessionState.STOPPED, WAIT, "stopped");
            List<SessionState> states =
                    recorder.statuses.stream().map(SessionStatus::state).toList();
            // the first connection drops after two replayed events, before replay_completed
            assertThat(states)
                    .containsExactly(
                            SessionState.CONNECTING,
                            SessionState.REPLAYING,
                            SessionState.BACKING_OFF,
                            SessionState.CONNECTING,
                            SessionState.REPLAYING,
                            SessionState.LIVE,
                            SessionState.STOPPED);
            assertThat(recorder.reasons())
                    .startsWith("connecting", "connected")
                    .endsWith("replay_completed", "stopped");
            assertThat(session.snapshot().position())
                    .isEqualTo(new Checkpoint("mars@2", java.util.OptionalLong.of(2), 0));
            assertThat(session.snapshot().lastEventTime()).isNotNull();
        }
    }

    static long starvations(Recorder recorder) {
        return recorder.reasons().stream().filter("heartbeat_starved"::equals).count();
    }

    @Test
    void soakEveryNotificationExactlyOnceThroughDropsAndStalls() {
        int total = 10_000;
        publish(total / 2);
        server.dropEvery(500);
        server.stallAfter(1_250);
        WatchClient soak = clientBuilder()
                .heartbeatTimeout(Duration.ofSeconds(2))
                .commitEvery(100, Duration.ofMillis(100))
                .build();
        WatchRequest request = mars().fromSequence(1);
        WatchSession session = soak.session(request);
        Recorder recorder = record(session);
        Await.until(() -> starvations(recorder) >= 1, Duration.ofSeconds(30), () -> "first stall: " + recorder);
        server.stallAfter(3_250);
        Flux.range(0, total / 2)
                .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())
                .subscribe(i -> server.publish("mars", Map.of("class", "od", "step", i), "live" + i));
        Await.until(() -> starvations(recorder) >= 2, Duration.ofSeconds(30), () -> "second stall: " + recorder);
        recorder.awaitCount(total, Duration.ofSeconds(60));
        assertThat(recorder.sequences()).isEqualTo(range(1, total));
        assertThat(starvations(recorder)).isGreaterThanOrEqualTo(2);
        assertThat(server.watchRequests().size()).isGreaterThanOrEqualTo(total / 500);
        Await.until(() -> committedSequence(request) == total, WAIT, () -> "committed " + committedSequence(request));
        assertThat(recorder.errors).isEmpty();
        soak.close();
    }
}
