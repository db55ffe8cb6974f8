package io.watchgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.BackoffPolicy;
import io.watchgate.core.Notification;
import io.watchgate.core.SessionState;
import io.watchgate.core.Start;
import io.watchgate.core.UpstreamRejectedException;
import io.watchgate.core.WatchException;
import io.watchgate.core.WatchMode;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.session.SessionAction.Await;
import io.watchgate.core.session.SessionAction.Connect;
import io.watchgate.core.session.SessionAction.Continue;
import io.watchgate.core.session.SessionAction.Deliver;
import io.watchgate.core.session.SessionAction.Fail;
import io.watchgate.core.session.SessionAction.Finish;
import io.watchgate.core.session.SessionAction.RefreshAuth;
import io.watchgate.core.session.SessionEvent.AuthRefreshed;
import io.watchgate.core.session.SessionEvent.BackoffElapsed;
import io.watchgate.core.session.SessionEvent.CheckpointLoadFailed;
import io.watchgate.core.session.SessionEvent.CheckpointLoaded;
import io.watchgate.core.session.SessionEvent.ConnectionLost;
import io.watchgate.core.session.SessionEvent.Control;
import io.watchgate.core.session.SessionEvent.ControlKind;
import io.watchgate.core.session.SessionEvent.CredentialsUnavailable;
import io.watchgate.core.session.SessionEvent.CursorMoved;
import io.watchgate.core.session.SessionEvent.LossReason;
import io.watchgate.core.session.SessionEvent.Malformed;
import io.watchgate.core.session.SessionEvent.Opened;
import io.watchgate.core.session.SessionEvent.Received;
import io.watchgate.core.session.SessionEvent.ReconnectRequested;
import io.watchgate.core.session.SessionEvent.Refused;
import io.watchgate.core.session.SessionEvent.RetryHint;
import io.watchgate.core.session.SessionEvent.ServerClosing;
import io.watchgate.core.session.SessionEvent.Stop;
import io.watchgate.core.session.SessionEvent.UpstreamError;
import io.watchgate.core.session.SessionMachine.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SessionMachineTests {

    private static final BackoffPolicy BACKOFF =
            new BackoffPolicy(Duration.ofMillis(250), 2.0, Duration.ofSeconds(30), 0.5);

    static SessionRules rules(WatchMode mode, @Nullable Start explicit, boolean auth) {
        return new SessionRules(mode, explicit, BACKOFF, Duration.ofSeconds(60), () -> 0.0, auth, true);
    }

    static SessionMachine machine() {
        return SessionMachine.initial(rules(WatchMode.WATCH, null, true));
    }

    static Notification note(long sequence) {
        return new Notification(
                "mars@" + sequence, OptionalLong.of(sequence), "mars", Instant.EPOCH, Map.of(), null, "{}");
    }

    /** A machine that loaded no checkpoint, connected live and delivered the given sequences. */
    static SessionMachine liveAfter(long... sequences) {
        SessionMachine m = machine().on(new CheckpointLoaded(null)).next();
        m = m.on(new Opened()).next();
        for (long sequence : sequences) {
            m = m.on(new Received(note(sequence))).next();
        }
        return m;
    }

    @Nested
    class Start_ {

        @Test
        void explicitStartWinsOverTheStoredCheckpoint() {
            SessionMachine m = SessionMachine.initial(rules(WatchMode.WATCH, Start.fromSequence(7), false));
            Step step = m.on(new CheckpointLoaded(Checkpoint.of("mars@41", 41)));
            assertThat(step.action()).isEqualTo(new Connect(Start.fromSequence(7)));
            assertThat(step.next().phase().state()).isEqualTo(SessionState.CONNECTING);
            assertThat(step.change()).isNotNull();
            assertThat(step.change().reason()).isEqualTo("connecting");
        }

        @Test
        void resumesAfterTheStoredCheckpoint() {
            Checkpoint stored = new Checkpoint("mars@41", OptionalLong.of(41), 3);
            Step step = machine().on(new CheckpointLoaded(stored));
            assertThat(step.action()).isEqualTo(new Connect(Start.after(stored)));
            assertThat(step.next().epoch()).isEqualTo(3);
            assertThat(step.next().position()).isEqualTo(stored);
        }

        @Test
        void startsLiveWithoutStartOrCheckpoint() {
            Step step = machine().on(new CheckpointLoaded(null));
            assertThat(step.action()).isEqualTo(new Connect(Start.live()));
        }

        @Test
        void replayOnlyWithoutAnyStartFails() {
            SessionMachine m = SessionMachine.initial(rules(WatchMode.REPLAY_ONLY, null, false));
            Step step = m.on(new CheckpointLoaded(null));
            assertThat(step.action()).isInstanceOf(Fail.class);
            assertThat(((Fail) step.action()).error()).hasMessageContaining("replay-only session needs a start");
            assertThat(step.next().phase().state()).isEqualTo(SessionState.FAILED);
            assertThat(step.next().isTerminal()).isTrue();
        }

        @Test
        void replayOnlyResumesFromTheStoredCheckpoint() {
            SessionMachine m = SessionMachine.initial(rules(WatchMode.REPLAY_ONLY, null, false));
            Step step = m.on(new CheckpointLoaded(Checkpoint.of("mars@5", 5)));
            assertThat(step.action()).isEqualTo(new Connect(Start.after(Checkpoint.of("mars@5", 5))));
        }

        @Test
        void aFailingStoreReadIsTheFirstError() {
            Step step = machine().on(new CheckpointLoadFailed(new IllegalStateException("db down")));
            assertThat(step.action()).isInstanceOf(Fail.class);
            WatchException error = ((Fail) step.action()).error();
            assertThat(error).hasMessageContaining("db down").hasCauseInstanceOf(IllegalStateException.class);
            assertThat(step.change().reason()).isEqualTo("store_failed");
        }
    }

    @Nested
    class Connection {

        @Test
        void openingALiveStreamIsLive() {
            Step step = machine().on(new CheckpointLoaded(null)).next().on(new Opened());
            assertThat(step.next().phase().state()).isEqualTo(SessionState.LIVE);
            assertThat(step.action()).isEqualTo(Continue.INSTANCE);
            assertThat(step.change().reason()).isEqualTo("connected");
            assertThat(step.next().counters().connections()).isEqualTo(1);
        }

        @Test
        void openingFromHistoryReplaysUntilReplayCompleted() {
            SessionMachine m = SessionMachine.initial(rules(WatchMode.WATCH, Start.fromSequence(1), false))
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Opened())
                    .next();
            assertThat(m.phase().state()).isEqualTo(SessionState.REPLAYING);
            assertThat(m.on(new Control(ControlKind.REPLAY_STARTED))
                            .next()
                            .phase()
                            .state())
                    .isEqualTo(SessionState.REPLAYING);
            Step completed = m.on(new Control(ControlKind.REPLAY_COMPLETED));
            assertThat(completed.next().phase().state()).isEqualTo(SessionState.LIVE);
            assertThat(completed.change().reason()).isEqualTo("replay_completed");
        }

        @Test
        void aProtocolWithoutReplayMarkersIsLiveAtOnce() {
            SessionRules sse = new SessionRules(
                    WatchMode.WATCH,
                    Start.after(Checkpoint.of("9", 9)),
                    BACKOFF,
                    Duration.ofSeconds(60),
                    () -> 0.0,
                    false,
                    false);
            SessionMachine m =
                    SessionMachine.initial(sse).on(new CheckpointLoaded(null)).next();
            assertThat(m.on(new Opened()).next().phase().state()).isEqualTo(SessionState.LIVE);
        }

        @Test
        void replayOnlyStaysReplayingAfterReplayCompletedAndFinishesAtEndOfStream() {
            SessionMachine m = SessionMachine.initial(rules(WatchMode.REPLAY_ONLY, Start.fromSequence(1), false))
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Opened())
                    .next()
                    .on(new Control(ControlKind.REPLAY_COMPLETED))
                    .next();
            assertThat(m.phase().state()).isEqualTo(SessionState.REPLAYING);
            Step end = m.on(new ServerClosing("end_of_stream"));
            assertThat(end.action()).isInstanceOf(Finish.class);
            assertThat(end.next().phase().state()).isEqualTo(SessionState.STOPPED);
        }

        @Test
        void replayOnlyReconnectsWhenTheServerShutsDown() {
            SessionMachine m = SessionMachine.initial(rules(WatchMode.REPLAY_ONLY, Start.fromSequence(1), false))
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Opened())
                    .next()
                    .on(new Received(note(1)))
                    .next();
            Step step = m.on(new ServerClosing("server_shutdown"));
            assertThat(step.action())
                    .isEqualTo(new Connect(Start.after(new Checkpoint("mars@1", OptionalLong.of(1), 0))));
        }

        @Test
        void connectionClosingReconnectsAtOnceAndResetsTheAttemptCounter() {
            SessionMachine m = liveAfter(1, 2);
            m = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x")).next();
            m = m.on(new BackoffElapsed()).next();
            m = m.on(new Opened()).next();
            assertThat(m.attempt()).isEqualTo(1);
            Step step = m.on(new ServerClosing("max_duration_reached"));
            assertThat(step.action())
                    .isEqualTo(new Connect(Start.after(new Checkpoint("mars@2", OptionalLong.of(2), 0))));
            assertThat(step.next().attempt()).isZero();
            assertThat(step.change().reason()).isEqualTo("server_closing");
            assertThat(step.change().detail()).isEqualTo("max_duration_reached");
        }

        @Test
        void stopFinishesFromAnyLiveState() {
            Step step = liveAfter(1).on(new Stop("cancelled"));
            assertThat(step.action()).isInstanceOf(Finish.class);
            assertThat(step.next().phase().state()).isEqualTo(SessionState.STOPPED);
            assertThat(step.change().reason()).isEqualTo("stopped");
        }

        @Test
        void aTerminalMachineIgnoresEverything() {
            SessionMachine stopped = liveAfter(1).on(new Stop("cancelled")).next();
            for (SessionEvent event : List.of(
                    new Opened(),
                    new Received(note(2)),
                    new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"),
                    new Refused(500, null, "", null),
                    new BackoffElapsed(),
                    new Stop("again"))) {
                Step step = stopped.on(event);
                assertThat(step.next()).isSameAs(stopped);
                assertThat(step.action()).isEqualTo(Continue.INSTANCE);
                assertThat(step.change()).isNull();
            }
        }

        @Test
        void inBandErrorsAndMalformedFramesAreReportedAndKeepTheConnection() {
            SessionMachine m = liveAfter(1);
            Step malformed = m.on(new Malformed("bad_json", "event 'replay': ..."));
            assertThat(malformed.action()).isEqualTo(Continue.INSTANCE);
            assertThat(malformed.next().counters().malformed()).isEqualTo(1);
            assertThat(malformed.change().reason()).isEqualTo("malformed_frame");
            assertThat(malformed.next().phase().state()).isEqualTo(SessionState.LIVE);
            Step error = m.on(new UpstreamError("stream_processing_failed: batch"));
            assertThat(error.action()).isEqualTo(Continue.INSTANCE);
            assertThat(error.change().reason()).isEqualTo("upstream_error");
        }
    }

    @Nested
    class Recovery {

        @ParameterizedTest
        @ValueSource(strings = {"TRANSPORT_ERROR", "UNEXPECTED_EOF", "HEARTBEAT_STARVED"})
        void lostConnectionsBackOffExponentially(String reason) {
            SessionMachine m = liveAfter(1);
            List<Duration> delays = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Step lost = m.on(new ConnectionLost(LossReason.valueOf(reason), "x"));
                assertThat(lost.next().phase().state()).isEqualTo(SessionState.BACKING_OFF);
                assertThat(lost.change().reason())
                        .isEqualTo(LossReason.valueOf(reason).eventName());
                delays.add(((Await) lost.action()).delay());
                m = lost.next().on(new BackoffElapsed()).next();
                assertThat(m.phase().state()).isEqualTo(SessionState.CONNECTING);
            }
            assertThat(delays)
                    .containsExactly(
                            Duration.ofMillis(250),
                            Duration.ofMillis(500),
                            Duration.ofSeconds(1),
                            Duration.ofSeconds(2),
                            Duration.ofSeconds(4),
                            Duration.ofSeconds(8),
                            Duration.ofSeconds(16),
                            Duration.ofSeconds(30),
                            Duration.ofSeconds(30),
                            Duration.ofSeconds(30));
            assertThat(m.attempt()).isEqualTo(10);
        }

        @Test
        void aNotificationResetsTheAttemptCounter() {
            SessionMachine m = liveAfter(1);
            for (int i = 0; i < 3; i++) {
                m = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                        .next()
                        .on(new BackoffElapsed())
                        .next();
            }
            m = m.on(new Opened()).next();
            assertThat(m.attempt()).isEqualTo(3);
            m = m.on(new Received(note(2))).next();
            assertThat(m.attempt()).isZero();
            Step lost = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"));
            assertThat(((Await) lost.action()).delay()).isEqualTo(Duration.ofMillis(250));
        }

        @Test
        void openingAConnectionAloneDoesNotResetTheCounter() {
            SessionMachine m = liveAfter(1)
                    .on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                    .next()
                    .on(new BackoffElapsed())
                    .next()
                    .on(new Opened())
                    .next();
            Step lost = m.on(new ConnectionLost(LossReason.UNEXPECTED_EOF, "x"));
            assertThat(((Await) lost.action()).delay()).isEqualTo(Duration.ofMillis(500));
        }

        @Test
        void jitterTakesAtMostHalfOfTheDelay() {
            SessionMachine m = SessionMachine.initial(new SessionRules(
                            WatchMode.WATCH, null, BACKOFF, Duration.ofSeconds(60), () -> 0.999, false, true))
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Opened())
                    .next();
            Step lost = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"));
            assertThat(((Await) lost.action()).delay()).isBetween(Duration.ofMillis(125), Duration.ofMillis(126));
        }

        @ParameterizedTest
        @ValueSource(ints = {500, 502, 504, 599})
        void serverErrorsBackOff(int status) {
            Step step = machine().on(new CheckpointLoaded(null)).next().on(new Refused(status, null, "oops", "rid"));
            assertThat(step.action()).isEqualTo(new Await(Duration.ofMillis(250)));
            assertThat(step.change().reason()).isEqualTo("server_error");
        }

        @ParameterizedTest
        @ValueSource(ints = {429, 503})
        void retryAfterReplacesTheComputedDelay(int status) {
            Step step = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Refused(status, Duration.ofSeconds(7), "", null));
            assertThat(step.action()).isEqualTo(new Await(Duration.ofSeconds(7)));
            assertThat(step.change().reason()).isEqualTo("retry_after");
            assertThat(step.next().attempt()).isEqualTo(1);
        }

        @Test
        void retryAfterIsBoundedByTheMaximum() {
            Step step =
                    machine().on(new CheckpointLoaded(null)).next().on(new Refused(503, Duration.ofHours(2), "", null));
            assertThat(step.action()).isEqualTo(new Await(Duration.ofSeconds(60)));
        }

        @ParameterizedTest
        @ValueSource(ints = {429, 503})
        void throttlingWithoutRetryAfterBacksOff(int status) {
            Step step = machine().on(new CheckpointLoaded(null)).next().on(new Refused(status, null, "", null));
            assertThat(step.action()).isEqualTo(new Await(Duration.ofMillis(250)));
        }

        @Test
        void aRetryAfterOfZeroWaitsAtLeastTheInitialDelay() {
            Step step = machine().on(new CheckpointLoaded(null)).next().on(new Refused(503, Duration.ZERO, "", null));
            assertThat(step.action()).isEqualTo(new Await(Duration.ofMillis(250)));
        }

        @Test
        void aRetryHintOfZeroIsRaisedToTheMinimum() {
            SessionMachine m = liveAfter(1).on(new RetryHint(Duration.ZERO)).next();
            Step lost = m.on(new ConnectionLost(LossReason.UNEXPECTED_EOF, "x"));
            assertThat(lost.action()).isEqualTo(new Await(SessionMachine.MIN_RETRY_HINT));
        }

        @Test
        void anSseRetryHintBecomesTheBaseDelay() {
            SessionMachine m =
                    liveAfter(1).on(new RetryHint(Duration.ofSeconds(2))).next();
            Step lost = m.on(new ConnectionLost(LossReason.UNEXPECTED_EOF, "x"));
            assertThat(lost.action()).isEqualTo(new Await(Duration.ofSeconds(2)));
        }

        @ParameterizedTest
        @ValueSource(ints = {400, 403, 404, 405, 409, 410, 422, 204, 301})
        void otherStatusesAreTerminalAndCarryStatusBodyAndRequestId(int status) {
            Step step = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Refused(status, null, "{\"code\":\"X\"}", "req-1"));
            assertThat(step.action()).isInstanceOf(Fail.class);
            UpstreamRejectedException error = (UpstreamRejectedException) ((Fail) step.action()).error();
            assertThat(error.status()).isEqualTo(status);
            assertThat(error.body()).isEqualTo("{\"code\":\"X\"}");
            assertThat(error.requestId()).isEqualTo("req-1");
            assertThat(step.next().phase().state()).isEqualTo(SessionState.FAILED);
        }
    }

    @Nested
    class Auth {

        @Test
        void a401RefreshesOnceThenRetriesAtOnce() {
            Step refused = machine().on(new CheckpointLoaded(null)).next().on(new Refused(401, null, "", null));
            assertThat(refused.action()).isInstanceOf(RefreshAuth.class);
            assertThat(refused.next().phase().state()).isEqualTo(SessionState.REFRESHING_AUTH);
            Step refreshed = refused.next().on(new AuthRefreshed());
            assertThat(refreshed.action()).isEqualTo(new Connect(Start.live()));
            Step again = refreshed.next().on(new Refused(401, null, "expired", "r2"));
            assertThat(again.action()).isInstanceOf(Fail.class);
            assertThat(((UpstreamRejectedException) ((Fail) again.action()).error()).status())
                    .isEqualTo(401);
        }

        @Test
        void aSuccessfulConnectionAfterARefreshAllowsAnotherRefreshLater() {
            SessionMachine m = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Refused(401, null, "", null))
                    .next()
                    .on(new AuthRefreshed())
                    .next()
                    .on(new Opened())
                    .next()
                    .on(new ServerClosing("max_duration_reached"))
                    .next();
            assertThat(m.on(new Refused(401, null, "", null)).action()).isInstanceOf(RefreshAuth.class);
        }

        @Test
        void a401WithoutAnAuthProviderIsTerminal() {
            SessionMachine m = SessionMachine.initial(rules(WatchMode.WATCH, null, false))
                    .on(new CheckpointLoaded(null))
                    .next();
            Step step = m.on(new Refused(401, null, "no", "r"));
            assertThat(step.action()).isInstanceOf(Fail.class);
            assertThat(((Fail) step.action()).error()).hasMessageContaining("no auth provider");
        }

        @Test
        void aTokenEndpointThatRejectsTheClientIsTerminal() {
            Step step = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Refused(401, null, "", null))
                    .next()
                    .on(new CredentialsUnavailable(new IllegalStateException("invalid_client"), true));
            assertThat(step.action()).isInstanceOf(Fail.class);
            assertThat(((Fail) step.action()).error()).hasMessageContaining("invalid_client");
            assertThat(step.change().reason()).isEqualTo("auth_failed");
        }

        @Test
        void aTokenEndpointThatIsDownBacksOffAndRefreshesAgainLater() {
            SessionMachine refreshing = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Refused(401, null, "", null))
                    .next();
            Step down = refreshing.on(new CredentialsUnavailable(new IllegalStateException("idp 503"), false));
            assertThat(down.action()).isEqualTo(new Await(Duration.ofMillis(250)));
            assertThat(down.change().reason()).isEqualTo("credentials_unavailable");
            SessionMachine retried = down.next().on(new BackoffElapsed()).next();
            assertThat(retried.phase().state()).isEqualTo(SessionState.CONNECTING);
            assertThat(retried.on(new Refused(401, null, "", null)).action()).isInstanceOf(RefreshAuth.class);
        }

        @Test
        void credentialsThatCannotBeHadBeforeConnectingBackOff() {
            Step step = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new CredentialsUnavailable(new IllegalStateException("timeout"), false));
            assertThat(step.action()).isEqualTo(new Await(Duration.ofMillis(250)));
            assertThat(step.next().phase().state()).isEqualTo(SessionState.BACKING_OFF);
        }
    }

    @Nested
    class Sequences {

        @Test
        void deliversInOrderAndCheckpointsEachNotification() {
            SessionMachine m = liveAfter();
            Step step = m.on(new Received(note(5)));
            assertThat(step.action()).isEqualTo(new Deliver(note(5), new Checkpoint("mars@5", OptionalLong.of(5), 0)));
            assertThat(step.change()).isNull();
            assertThat(step.next().counters().delivered()).isEqualTo(1);
        }

        @Test
        void dropsDuplicatesAtOrBelowTheLastWithinAConnection() {
            SessionMachine m = liveAfter(5, 6, 7);
            for (long duplicate : new long[] {7, 6, 1}) {
                Step step = m.on(new Received(note(duplicate)));
                assertThat(step.action()).isEqualTo(Continue.INSTANCE);
                m = step.next();
            }
            assertThat(m.counters().duplicates()).isEqualTo(3);
            assertThat(m.position().sequence()).hasValue(7);
            assertThat(m.on(new Received(note(8))).action()).isInstanceOf(Deliver.class);
        }

        @Test
        void reportsAForwardJumpAsAGapAndDeliversIt() {
            Step step = liveAfter(5).on(new Received(note(9)));
            assertThat(step.action()).isInstanceOf(Deliver.class);
            assertThat(step.change().reason()).isEqualTo("gap");
            assertThat(step.change().detail()).contains("expected sequence 6, got 9 (3 missing)");
            assertThat(step.next().counters().gaps()).isEqualTo(1);
            assertThat(step.next().phase().state()).isEqualTo(SessionState.LIVE);
        }

        @Test
        void aLowerSequenceOnANewConnectionIsAnUpstreamReset() {
            SessionMachine m = liveAfter(500)
                    .on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                    .next()
                    .on(new BackoffElapsed())
                    .next()
                    .on(new Opened())
                    .next();
            Step reset = m.on(new Received(note(3)));
            assertThat(reset.action()).isEqualTo(new Deliver(note(3), new Checkpoint("mars@3", OptionalLong.of(3), 1)));
            assertThat(reset.change().reason()).isEqualTo("upstream_reset");
            assertThat(reset.next().counters().resets()).isEqualTo(1);
            assertThat(reset.next().epoch()).isEqualTo(1);
            assertThat(reset.next().position().isAheadOf(Checkpoint.of("mars@500", 500)))
                    .isTrue();
            // the cursor follows the reset: 4 is next, 3 again is a duplicate
            assertThat(reset.next().on(new Received(note(4))).change()).isNull();
            assertThat(reset.next().on(new Received(note(3))).action()).isEqualTo(Continue.INSTANCE);
        }

        @Test
        void eachReconnectResumesAfterTheLastDelivered() {
            SessionMachine m = SessionMachine.initial(
                            rules(WatchMode.WATCH, Start.fromDate(Instant.parse("2026-01-01T00:00:00Z")), false))
                    .on(new CheckpointLoaded(null))
                    .next();
            assertThat(m.resumeStart()).isEqualTo(Start.fromDate(Instant.parse("2026-01-01T00:00:00Z")));
            m = m.on(new Opened()).next();
            // nothing delivered yet: from_date bootstraps again
            Step lost = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"));
            assertThat(lost.next().on(new BackoffElapsed()).action())
                    .isEqualTo(new Connect(Start.fromDate(Instant.parse("2026-01-01T00:00:00Z"))));
            m = lost.next()
                    .on(new BackoffElapsed())
                    .next()
                    .on(new Opened())
                    .next()
                    .on(new Received(note(12)))
                    .next();
            Step again = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                    .next()
                    .on(new BackoffElapsed());
            assertThat(again.action())
                    .isEqualTo(new Connect(Start.after(new Checkpoint("mars@12", OptionalLong.of(12), 0))));
        }

        @Test
        void notificationsWithoutSequenceAreDeliveredWithTheirCursor() {
            SessionMachine m = liveAfter();
            Notification opaque = new Notification("abc", OptionalLong.empty(), "message", null, Map.of(), "x", "x");
            Step step = m.on(new Received(opaque));
            assertThat(step.action()).isEqualTo(new Deliver(opaque, new Checkpoint("abc", OptionalLong.empty(), 0)));
            assertThat(step.next().on(new Received(opaque)).action()).isInstanceOf(Deliver.class);
        }

        @Test
        void anEventWithoutAnIdOfItsOwnKeepsThePreviousSequenceAndIsNotADuplicate() {
            SessionMachine m = liveAfter();
            Notification first = new Notification("7", OptionalLong.of(7), "message", null, Map.of(), "a", "a");
            Notification idless = new Notification("7", OptionalLong.empty(), "message", null, Map.of(), "b", "b");
            Notification next = new Notification("8", OptionalLong.of(8), "message", null, Map.of(), "c", "c");
            m = m.on(new Received(first)).next();
            Step b = m.on(new Received(idless));
            assertThat(b.action()).isEqualTo(new Deliver(idless, new Checkpoint("7", OptionalLong.of(7), 0)));
            Step c = b.next().on(new Received(next));
            assertThat(c.action()).isInstanceOf(Deliver.class);
            assertThat(c.change()).isNull();
        }

        @Test
        void notificationsOutsideAConnectionAreIgnored() {
            SessionMachine backingOff = liveAfter(1)
                    .on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                    .next();
            assertThat(backingOff.on(new Received(note(2))).action()).isEqualTo(Continue.INSTANCE);
        }
    }

    @Nested
    class Commands {

        /** The phases a session takes commands in, each reached the ordinary way. */
        enum Running {
            CONNECTING(SessionState.CONNECTING),
            REPLAYING(SessionState.REPLAYING),
            LIVE(SessionState.LIVE),
            BACKING_OFF(SessionState.BACKING_OFF),
            REFRESHING_AUTH(SessionState.REFRESHING_AUTH);

            final SessionState state;

            Running(SessionState state) {
                this.state = state;
            }

            /** A session that delivered 1 and 2 on a first connection, then reached this phase. */
            SessionMachine reach() {
                SessionMachine m = SessionMachine.initial(rules(WatchMode.WATCH, Start.fromSequence(1), true))
                        .on(new CheckpointLoaded(null))
                        .next()
                        .on(new Opened())
                        .next()
                        .on(new Received(note(1)))
                        .next()
                        .on(new Received(note(2)))
                        .next();
                SessionMachine connecting = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                        .next()
                        .on(new BackoffElapsed())
                        .next();
                SessionMachine reached = switch (this) {
                    case CONNECTING -> connecting;
                    case REPLAYING -> connecting.on(new Opened()).next();
                    case LIVE ->
                        connecting
                                .on(new Opened())
                                .next()
                                .on(new Control(ControlKind.REPLAY_COMPLETED))
                                .next();
                    case BACKING_OFF ->
                        connecting
                                .on(new Refused(503, Duration.ofSeconds(60), "", null))
                                .next();
                    case REFRESHING_AUTH ->
                        connecting.on(new Refused(401, null, "", null)).next();
                };
                assertThat(reached.phase().state()).isEqualTo(state);
                return reached;
            }
        }

        static final Checkpoint AT_2 = new Checkpoint("mars@2", OptionalLong.of(2), 0);

        @ParameterizedTest
        @EnumSource(Running.class)
        void aReconnectRequestConnectsAgainAtOnceAfterTheLastDelivered(Running running) {
            SessionMachine m = running.reach();
            Step step = m.on(new ReconnectRequested());
            assertThat(step.action()).isEqualTo(new Connect(Start.after(AT_2)));
            assertThat(step.next().phase()).isEqualTo(new SessionPhase.Connecting(Start.after(AT_2)));
            assertThat(step.next().attempt()).isZero();
            assertThat(step.next().refreshedAuth()).isFalse();
            assertThat(step.next().deliveredOnConnection()).isFalse();
            assertThat(step.next().position()).isEqualTo(AT_2);
            assertThat(step.next().epoch()).isZero();
            assertThat(step.next().counters()).isEqualTo(m.counters());
            assertThat(step.change()).isEqualTo(new SessionMachine.Change("reconnect_requested", "after mars@2"));
        }

        @ParameterizedTest
        @EnumSource(Running.class)
        void aCursorMoveReconnectsAtOnceAfterTheGivenCheckpoint(Running running) {
            SessionMachine m = running.reach();
            Checkpoint moved = new Checkpoint("mars@40", OptionalLong.of(40), 3);
            Step step = m.on(new CursorMoved(moved));
            assertThat(step.action()).isEqualTo(new Connect(Start.after(moved)));
            assertThat(step.next().phase()).isEqualTo(new SessionPhase.Connecting(Start.after(moved)));
            assertThat(step.next().position()).isEqualTo(moved);
            assertThat(step.next().epoch()).isEqualTo(3);
            assertThat(step.next().resumeStart()).isEqualTo(Start.after(moved));
            assertThat(step.next().attempt()).isZero();
            assertThat(step.next().refreshedAuth()).isFalse();
            assertThat(step.next().deliveredOnConnection()).isFalse();
            assertThat(step.next().counters()).isEqualTo(m.counters());
            assertThat(step.change()).isEqualTo(new SessionMachine.Change("cursor_moved", "after mars@40"));
        }

        @Test
        void commandsAreIgnoredWhileTheCheckpointLoads() {
            SessionMachine loading = machine();
            for (SessionEvent command : List.of(new ReconnectRequested(), new CursorMoved(AT_2))) {
                Step step = loading.on(command);
                assertThat(step.next()).isSameAs(loading);
                assertThat(step.action()).isEqualTo(Continue.INSTANCE);
                assertThat(step.change()).isNull();
            }
            // the checkpoint still decides the first start
            assertThat(loading.on(new CheckpointLoaded(null)).action()).isEqualTo(new Connect(Start.live()));
        }

        @Test
        void commandsAreIgnoredOnceTheSessionEnded() {
            SessionMachine stopped = liveAfter(1).on(new Stop("cancelled")).next();
            SessionMachine failed =
                    liveAfter(1).on(new Refused(403, null, "", null)).next();
            assertThat(failed.phase().state()).isEqualTo(SessionState.FAILED);
            for (SessionMachine ended : List.of(stopped, failed)) {
                for (SessionEvent command : List.of(new ReconnectRequested(), new CursorMoved(AT_2))) {
                    Step step = ended.on(command);
                    assertThat(step.next()).isSameAs(ended);
                    assertThat(step.action()).isEqualTo(Continue.INSTANCE);
                    assertThat(step.change()).isNull();
                }
            }
        }

        @Test
        void aReconnectBeforeAnythingWasDeliveredUsesTheFirstStartAgain() {
            SessionMachine m = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Opened())
                    .next();
            Step step = m.on(new ReconnectRequested());
            assertThat(step.action()).isEqualTo(new Connect(Start.live()));
            assertThat(step.change()).isEqualTo(new SessionMachine.Change("reconnect_requested", "live"));
            Instant from = Instant.parse("2026-01-01T00:00:00Z");
            SessionMachine dated = SessionMachine.initial(rules(WatchMode.WATCH, Start.fromDate(from), false))
                    .on(new CheckpointLoaded(null))
                    .next();
            assertThat(dated.on(new ReconnectRequested()).action()).isEqualTo(new Connect(Start.fromDate(from)));
        }

        @Test
        void aReconnectResetsTheAttemptCounterAndTheBackoff() {
            SessionMachine m = liveAfter(1);
            for (int i = 0; i < 4; i++) {
                m = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                        .next()
                        .on(new BackoffElapsed())
                        .next();
            }
            m = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x")).next();
            assertThat(m.attempt()).isEqualTo(5);
            assertThat(m.phase()).isEqualTo(new SessionPhase.BackingOff(Duration.ofSeconds(4)));
            m = m.on(new ReconnectRequested()).next();
            assertThat(m.attempt()).isZero();
            Step lost = m.on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"));
            assertThat(lost.action()).isEqualTo(new Await(Duration.ofMillis(250)));
            assertThat(lost.next().attempt()).isEqualTo(1);
        }

        @Test
        void theBackoffTimerOfADroppedWaitIsIgnoredAfterAReconnect() {
            SessionMachine connecting = liveAfter(1)
                    .on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                    .next()
                    .on(new ReconnectRequested())
                    .next();
            Step late = connecting.on(new BackoffElapsed());
            assertThat(late.next()).isSameAs(connecting);
            assertThat(late.action()).isEqualTo(Continue.INSTANCE);
        }

        @Test
        void aReconnectAfterRefreshingCredentialsAllowsAnotherRefresh() {
            SessionMachine refreshed = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Refused(401, null, "", null))
                    .next()
                    .on(new AuthRefreshed())
                    .next();
            assertThat(refreshed.refreshedAuth()).isTrue();
            // without the command a second 401 would be fatal
            assertThat(refreshed.on(new Refused(401, null, "", null)).action()).isInstanceOf(Fail.class);
            SessionMachine reconnecting = refreshed.on(new ReconnectRequested()).next();
            assertThat(reconnecting.on(new Refused(401, null, "", null)).action())
                    .isInstanceOf(RefreshAuth.class);
        }

        @Test
        void aReconnectCutsACredentialRefreshShort() {
            SessionMachine refreshing = machine()
                    .on(new CheckpointLoaded(null))
                    .next()
                    .on(new Refused(401, null, "", null))
                    .next();
            Step step = refreshing.on(new ReconnectRequested());
            assertThat(step.action()).isEqualTo(new Connect(Start.live()));
            // the refresh's late outcome changes nothing
            assertThat(step.next().on(new AuthRefreshed()).next()).isSameAs(step.next());
        }

        @Test
        void notificationsAfterAReconnectAreComparedWithTheLastDelivered() {
            SessionMachine m = liveAfter(1, 2, 3).on(new ReconnectRequested()).next();
            m = m.on(new Opened()).next();
            Step four = m.on(new Received(note(4)));
            assertThat(four.action()).isEqualTo(new Deliver(note(4), new Checkpoint("mars@4", OptionalLong.of(4), 0)));
            assertThat(four.change()).isNull();
            assertThat(four.next().on(new Received(note(3))).action()).isEqualTo(Continue.INSTANCE);
        }

        @Test
        void notificationsBeforeTheNewConnectionOpensAreIgnored() {
            SessionMachine moved = liveAfter(1, 2, 3).on(new CursorMoved(AT_2)).next();
            Step late = moved.on(new Received(note(4)));
            assertThat(late.action()).isEqualTo(Continue.INSTANCE);
            assertThat(late.next().position()).isEqualTo(AT_2);
        }

        @Test
        void movingBackwardsDeliversWhatFollowsAgainWithTheNewEpoch() {
            SessionMachine m = liveAfter(8, 9, 10);
            Checkpoint back = new Checkpoint("mars@3", OptionalLong.of(3), 1);
            m = m.on(new CursorMoved(back)).next();
            assertThat(m.resumeStart()).isEqualTo(Start.after(back));
            m = m.on(new Opened()).next();
            for (long sequence = 4; sequence <= 11; sequence++) {
                Step step = m.on(new Received(note(sequence)));
                assertThat(step.action())
                        .isEqualTo(new Deliver(
                                note(sequence), new Checkpoint("mars@" + sequence, OptionalLong.of(sequence), 1)));
                assertThat(step.change()).as("no reset, no gap at %d", sequence).isNull();
                m = step.next();
            }
            assertThat(m.counters().duplicates()).isZero();
            assertThat(m.counters().resets()).isZero();
            assertThat(m.counters().gaps()).isZero();
            assertThat(m.epoch()).isEqualTo(1);
            assertThat(m.position()).isEqualTo(new Checkpoint("mars@11", OptionalLong.of(11), 1));
            assertThat(m.position().isAheadOf(new Checkpoint("mars@10", OptionalLong.of(10), 0)))
                    .isTrue();
            // within the new connection, duplicates are still dropped
            assertThat(m.on(new Received(note(9))).action()).isEqualTo(Continue.INSTANCE);
        }

        @Test
        void movingBackwardsInTheSameEpochDeliversAgainToo() {
            SessionMachine m = liveAfter(8, 9, 10)
                    .on(new CursorMoved(new Checkpoint("mars@3", OptionalLong.of(3), 0)))
                    .next()
                    .on(new Opened())
                    .next();
            Step four = m.on(new Received(note(4)));
            assertThat(four.action()).isEqualTo(new Deliver(note(4), new Checkpoint("mars@4", OptionalLong.of(4), 0)));
            assertThat(four.change()).isNull();
        }

        @Test
        void movingForwardSkipsWithoutReportingAGap() {
            SessionMachine m = liveAfter(1, 2, 3);
            Checkpoint ahead = new Checkpoint("mars@10", OptionalLong.of(10), 0);
            m = m.on(new CursorMoved(ahead)).next().on(new Opened()).next();
            Step eleven = m.on(new Received(note(11)));
            assertThat(eleven.action())
                    .isEqualTo(new Deliver(note(11), new Checkpoint("mars@11", OptionalLong.of(11), 0)));
            assertThat(eleven.change()).isNull();
            assertThat(eleven.next().on(new Received(note(7))).action()).isEqualTo(Continue.INSTANCE);
            assertThat(eleven.next().counters().gaps()).isZero();
        }

        @Test
        void theMovedEpochReplacesTheSessionsEvenWhenLower() {
            SessionMachine reset = liveAfter(500)
                    .on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                    .next()
                    .on(new BackoffElapsed())
                    .next()
                    .on(new Opened())
                    .next()
                    .on(new Received(note(3)))
                    .next();
            assertThat(reset.epoch()).isEqualTo(1);
            SessionMachine moved = reset.on(new CursorMoved(Checkpoint.of("mars@2", 2)))
                    .next()
                    .on(new Opened())
                    .next();
            assertThat(moved.epoch()).isZero();
            assertThat(moved.on(new Received(note(3))).action())
                    .isEqualTo(new Deliver(note(3), new Checkpoint("mars@3", OptionalLong.of(3), 0)));
        }

        @Test
        void aLowerFirstSequenceAfterAMoveIsStillAnUpstreamReset() {
            Checkpoint moved = new Checkpoint("mars@40", OptionalLong.of(40), 2);
            SessionMachine m = liveAfter(1)
                    .on(new CursorMoved(moved))
                    .next()
                    .on(new Opened())
                    .next();
            Step reset = m.on(new Received(note(5)));
            assertThat(reset.change().reason()).isEqualTo("upstream_reset");
            assertThat(reset.action()).isEqualTo(new Deliver(note(5), new Checkpoint("mars@5", OptionalLong.of(5), 3)));
        }

        @Test
        void aConnectionLostAfterAMoveResumesAfterTheMovedCheckpoint() {
            Checkpoint moved = new Checkpoint("mars@40", OptionalLong.of(40), 1);
            SessionMachine m = liveAfter(1, 2)
                    .on(new CursorMoved(moved))
                    .next()
                    .on(new ConnectionLost(LossReason.TRANSPORT_ERROR, "x"))
                    .next();
            assertThat(m.phase().state()).isEqualTo(SessionState.BACKING_OFF);
            assertThat(m.attempt()).isEqualTo(1);
            assertThat(m.on(new BackoffElapsed()).action()).isEqualTo(new Connect(Start.after(moved)));
        }

        @Test
        void anOpaqueCheckpointCanBeMovedTo() {
            Checkpoint opaque = Checkpoint.of("abc");
            Step step = liveAfter(1).on(new CursorMoved(opaque));
            assertThat(step.action()).isEqualTo(new Connect(Start.after(opaque)));
            assertThat(step.change()).isEqualTo(new SessionMachine.Change("cursor_moved", "after abc"));
            Notification next = new Notification("abd", OptionalLong.empty(), "message", null, Map.of(), "x", "x");
            Step delivered = step.next().on(new Opened()).next().on(new Received(next));
            assertThat(delivered.action()).isEqualTo(new Deliver(next, Checkpoint.of("abd")));
        }
    }
}
