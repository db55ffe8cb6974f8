package io.watchgate.core.testing;

import static io.watchgate.core.testing.AvisoTestServer.REPLAY_PATH;
import static io.watchgate.core.testing.AvisoTestServer.WATCH_PATH;
import static io.watchgate.core.testing.AvisoTestServerStreamsIntegrationTests.closing;
import static io.watchgate.core.testing.AvisoTestServerStreamsIntegrationTests.cloudEvent;
import static io.watchgate.core.testing.AvisoTestServerStreamsIntegrationTests.replayCompleted;
import static io.watchgate.core.testing.AvisoTestServerStreamsIntegrationTests.withoutHeartbeats;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.PrematureCloseException;

/** Every fault switch of {@link AvisoTestServer}, observed on the wire. */
class AvisoTestServerFaultsIntegrationTests {

    static final String LIVE_WATCH = "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\"}}";
    static final String T0 = AvisoTestServerStreamsIntegrationTests.T0;

    private final MutableClock clock = MutableClock.at(AvisoTestServerStreamsIntegrationTests.T0_TIME);
    private AvisoTestServer server;

    @BeforeEach
    void start() {
        server = AvisoTestServer.start().clock(clock).heartbeatInterval(Duration.ofMillis(50));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private StreamRecorder watch(String body) {
        return StreamRecorder.post(server.uri(WATCH_PATH), body);
    }

    private static String watchFrom(int fromId) {
        return "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\"},\"from_id\":\"" + fromId + "\"}";
    }

    private static List<String> ids(List<String> frames) {
        return frames.stream()
                .filter(f -> f.contains("\"specversion\""))
                .map(f -> f.substring(0, f.indexOf('\n')) + " "
                        + TestJson.MAPPER
                                .readTree(f.substring(f.indexOf("data: ") + 6))
                                .get("id")
                                .stringValue())
                .toList();
    }

    private void publish(int count) {
        server.publishMany("mars", Map.of("class", "od"), count);
    }

    private static void assertDroppedAbruptly(StreamRecorder recorder) {
        recorder.awaitEnd();
        assertThat(recorder.completed()).isFalse();
        assertThat(recorder.error()).isInstanceOf(PrematureCloseException.class);
        assertThat(recorder.text()).doesNotContain("connection-closing");
    }

    @Test
    void dropAfterClosesTheTcpConnectionAfterNLiveNotificationsOnlyOnce() {
        server.dropAfter(2);
        try (StreamRecorder dropped = watch(LIVE_WATCH)) {
            dropped.awaitFrames(2);
            publish(4);
            assertDroppedAbruptly(dropped);
            assertThat(ids(dropped.frames()))
                    .containsExactly("event: live-notification mars@1", "event: live-notification mars@2");
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
        try (StreamRecorder next = watch(LIVE_WATCH)) {
            next.awaitFrames(2);
            publish(3);
            assertThat(ids(next.awaitFrames("live-notification", 4)))
                    .containsExactly(
                            "event: live-notification mars@5",
                            "event: live-notification mars@6",
                            "event: live-notification mars@7");
            assertThat(next.ended()).isFalse();
        }
    }

    @Test
    void dropAfterCountsReplayAndLiveAndMayCutAReplayShort() {
        publish(2);
        server.dropAfter(3);
        try (StreamRecorder dropped = watch(watchFrom(1))) {
            dropped.awaitFrames("replay-control", 2);
            publish(2);
            assertDroppedAbruptly(dropped);
            assertThat(ids(dropped.frames()))
                    .containsExactly("event: replay mars@1", "event: replay mars@2", "event: live-notification mars@3");
        }
        server.dropAfter(2);
        try (StreamRecorder dropped = watch(watchFrom(3))) {
            assertDroppedAbruptly(dropped);
            assertThat(withoutHeartbeats(dropped.frames()).subList(1, 3))
                    .containsExactly(
                            cloudEvent("replay", "mars@3", "{\"class\":\"od\"}", "1", "2026-03-04T10:00:00.123456791Z"),
                            cloudEvent(
                                    "replay", "mars@4", "{\"class\":\"od\"}", "2", "2026-03-04T10:00:00.123456792Z"));
            assertThat(dropped.text())
                    .as("the drop comes before replay_completed")
                    .doesNotContain("replay_completed");
        }
        server.dropAfter(1);
        try (StreamRecorder dropped = watch(watchFrom(1))) {
            assertDroppedAbruptly(dropped);
            assertThat(ids(dropped.frames())).containsExactly("event: replay mars@1");
            assertThat(dropped.text()).doesNotContain("replay_completed");
        }
    }

    @Test
    void dropAfterZeroClosesRightAfterTheHeaders() {
        server.dropAfter(0);
        try (StreamRecorder dropped = watch(LIVE_WATCH)) {
            assertThat(dropped.awaitStatus()).isEqualTo(200);
            assertDroppedAbruptly(dropped);
            assertThat(dropped.bytes()).isEmpty();
        }
    }

    @Test
    void dropEveryDropsEachConnectionUntilCleared() {
        publish(5);
        server.dropEvery(2);
        for (int from : new int[] {1, 3}) {
            try (StreamRecorder dropped = watch(watchFrom(from))) {
                assertDroppedAbruptly(dropped);
                assertThat(ids(dropped.frames()))
                        .containsExactly("event: replay mars@" + from, "event: replay mars@" + (from + 1));
            }
        }
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"5\"}")) {
            replay.awaitEnd();
            assertThat(replay.completed())
                    .as("one notification is below the drop count")
                    .isTrue();
        }
        server.dropEvery(0);
        try (StreamRecorder kept = watch(watchFrom(1))) {
            assertThat(kept.awaitFrames("replay-control", 2)).hasSize(2);
            assertThat(ids(kept.frames())).hasSize(5);
            assertThat(kept.ended()).isFalse();
        }
    }

    @Test
    void stallNextSendsHeadersThenNothingAndIgnoresGracefulClose() {
        server.stallNext(1);
        try (StreamRecorder stalled = watch(LIVE_WATCH)) {
            assertThat(stalled.awaitStatus()).isEqualTo(200);
            assertThat(stalled.headers().get("Content-Type")).isEqualTo("text/event-stream");
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            publish(2);
            assertThat(server.closeGracefully("server_shutdown")).isZero();
            Await.holdsFor(
                    Duration.ofMillis(400),
                    () -> stalled.bytes().length == 0 && !stalled.ended(),
                    "a stalled stream sends no byte");
            assertThat(server.openStreams()).isEqualTo(1);
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
        try (StreamRecorder healthy = watch(LIVE_WATCH)) {
            assertThat(healthy.awaitFrames("heartbeat", 2)).hasSize(2);
        }
        assertThat(server.connectionCount()).isEqualTo(2);
    }

    @Test
    void stallAfterSilencesTheStreamThatWritesTheNthNotification() {
        server.stallAfter(2);
        try (StreamRecorder stalled = watch(LIVE_WATCH)) {
            stalled.awaitFrames(2);
            publish(4);
            stalled.awaitFrames("live-notification", 3);
            int length = stalled.bytes().length;
            Await.holdsFor(
                    Duration.ofMillis(400),
                    () -> stalled.bytes().length == length && !stalled.ended(),
                    "no heartbeat and no event after the stall");
            assertThat(ids(stalled.frames()))
                    .containsExactly("event: live-notification mars@1", "event: live-notification mars@2");
            assertThat(server.openStreams()).isEqualTo(1);
            try (StreamRecorder next = watch(LIVE_WATCH)) {
                next.awaitFrames(2);
                publish(1);
                assertThat(ids(next.awaitFrames("live-notification", 2)))
                        .containsExactly("event: live-notification mars@5");
            }
        }
    }

    @Test
    void stallOpenStreamsSilencesEveryOpenStream() {
        try (StreamRecorder one = watch(LIVE_WATCH);
                StreamRecorder two = watch(watchFrom(1))) {
            one.awaitFrames("heartbeat", 1);
            two.awaitFrames("heartbeat", 1);
            assertThat(server.stallOpenStreams()).isEqualTo(2);
            int length = awaitQuiet(one, two);
            publish(1);
            Await.holdsFor(
                    Duration.ofMillis(300),
                    () -> one.bytes().length + two.bytes().length == length,
                    "stalled streams send nothing");
        }
    }

    @Test
    void closeGracefullySendsConnectionClosingToEveryOpenStream() {
        try (StreamRecorder live = watch(LIVE_WATCH);
                StreamRecorder replaying = watch(watchFrom(1))) {
            live.awaitFrames(1);
            replaying.awaitFrames("replay-control", 2);
            server.awaitOpenStreams(2, StreamRecorder.TIMEOUT);
            assertThat(server.closeGracefully("server_shutdown")).isEqualTo(2);
            for (StreamRecorder recorder : List.of(live, replaying)) {
                recorder.awaitEnd();
                assertThat(recorder.completed()).isTrue();
                List<String> frames = recorder.frames();
                assertThat(frames.get(frames.size() - 1))
                        .isEqualTo(closing(
                                "server_shutdown",
                                "Server is shutting down gracefully",
                                "mars.od",
                                recorder.headers().get("X-Request-ID")));
            }
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
        try (StreamRecorder custom = watch(LIVE_WATCH)) {
            custom.awaitFrames(1);
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            server.closeGracefully("max_duration_reached");
            List<String> frames = custom.awaitEnd().frames();
            assertThat(frames.get(frames.size() - 1))
                    .contains(
                            "\"message\":\"Connection reached maximum duration\",\"reason\":\"max_duration_reached\"");
        }
    }

    @Test
    void dropOpenStreamsClosesEveryConnectionAbruptly() {
        try (StreamRecorder one = watch(LIVE_WATCH);
                StreamRecorder two = watch(LIVE_WATCH)) {
            one.awaitFrames(1);
            two.awaitFrames(1);
            server.awaitOpenStreams(2, StreamRecorder.TIMEOUT);
            assertThat(server.dropOpenStreams()).isEqualTo(2);
            assertDroppedAbruptly(one);
            assertDroppedAbruptly(two);
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
    }

    @Test
    void failNextAnswersWithTheStatusAnAvisoBodyAndRetryAfterThenRecovers() {
        server.failNext(2, 503, "7");
        for (int i = 0; i < 2; i++) {
            try (StreamRecorder failed = watch(LIVE_WATCH)) {
                assertThat(failed.awaitStatus()).isEqualTo(503);
                assertThat(failed.headers().get("Retry-After")).isEqualTo("7");
                assertThat(failed.awaitEnd().text())
                        .isEqualTo("{\"code\":\"SERVICE_UNAVAILABLE\",\"error\":\"service_unavailable\","
                                + "\"message\":\"Authentication service temporarily unavailable\",\"request_id\":\""
                                + failed.headers().get("X-Request-ID") + "\"}");
            }
        }
        try (StreamRecorder ok = watch(LIVE_WATCH)) {
            assertThat(ok.awaitStatus()).isEqualTo(200);
        }
        assertThat(server.watchRequests()).extracting(RecordedRequest::status).containsExactly(503, 503, 200);
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void failNextBodiesFitTheirStatus() {
        server.failNext(1, 500, null)
                .failNext(1, 403, null)
                .failNext(1, 401, null)
                .failNext(1, 429, "120");
        server.failNext(1, 400, null);
        try (StreamRecorder failed = watch(LIVE_WATCH)) {
            assertThat(failed.awaitStatus()).isEqualTo(500);
            assertThat(failed.headers().contains("Retry-After")).isFalse();
            assertThat(failed.awaitEnd().text())
                    .isEqualTo("{\"code\":\"SSE_STREAM_INITIALIZATION_FAILED\","
                            + "\"details\":\"Injected failure: backend subscription unavailable\","
                            + "\"error\":\"SSE stream creation failed\",\"message\":\"Failed to create SSE stream\","
                            + "\"request_id\":\"" + failed.headers().get("X-Request-ID") + "\",\"topic\":\"mars\"}");
        }
        try (StreamRecorder failed = watch(LIVE_WATCH)) {
            assertThat(failed.awaitStatus()).isEqualTo(403);
            assertThat(failed.awaitEnd().text()).startsWith("{\"code\":\"FORBIDDEN\",\"error\":\"forbidden\",");
        }
        try (StreamRecorder failed = watch(LIVE_WATCH)) {
            assertThat(failed.awaitStatus()).isEqualTo(401);
            assertThat(failed.headers().get("WWW-Authenticate")).isEqualTo("Bearer");
            assertThat(failed.awaitEnd().text())
                    .startsWith("{\"code\":\"UNAUTHORIZED\",\"error\":\"unauthorized\","
                            + "\"message\":\"Invalid or expired token\"");
        }
        try (StreamRecorder failed = StreamRecorder.post(server.uri(REPLAY_PATH), "not even json")) {
            assertThat(failed.awaitStatus()).isEqualTo(429);
            assertThat(failed.headers().get("Retry-After")).isEqualTo("120");
            assertThat(failed.awaitEnd().text())
                    .startsWith("{\"code\":\"TOO_MANY_REQUESTS\",\"error\":\"too_many_requests\",");
        }
        try (StreamRecorder failed = StreamRecorder.post(server.uri(REPLAY_PATH), "{}")) {
            assertThat(failed.awaitStatus()).isEqualTo(400);
            assertThat(failed.awaitEnd().text())
                    .startsWith("{\"code\":\"INVALID_REPLAY_REQUEST\",\"details\":\"Injected invalid request\","
                            + "\"error\":\"Invalid Replay Request\"");
        }
        assertThat(server.watchRequests()).extracting(RecordedRequest::status).containsExactly(500, 403, 401, 429, 400);
    }

    @Test
    void connectionFaultsAreConsumedInTheOrderTheyWereArmed() {
        publish(3);
        server.dropAfter(3).failNext(1, 403, null).stallNext(1);
        try (StreamRecorder first = watch(watchFrom(1))) {
            assertDroppedAbruptly(first);
            assertThat(ids(first.frames())).hasSize(3);
        }
        try (StreamRecorder second = watch(watchFrom(4))) {
            assertThat(second.awaitStatus()).isEqualTo(403);
        }
        try (StreamRecorder third = watch(watchFrom(4))) {
            assertThat(third.awaitStatus()).isEqualTo(200);
            Await.holdsFor(Duration.ofMillis(200), () -> third.bytes().length == 0, "the third stream is stalled");
        }
        try (StreamRecorder fourth = watch(watchFrom(4))) {
            assertThat(fourth.awaitFrames("replay-control", 2)).hasSize(2);
        }
    }

    @Test
    void duplicateAtHandoverResendsTheLastReplayedAsLiveBeforeRealLiveEvents() {
        publish(5);
        server.duplicateAtHandover(true);
        try (StreamRecorder watch = watch(watchFrom(2))) {
            watch.awaitFrames("live-notification", 3);
            publish(1);
            watch.awaitFrames("live-notification", 4);
            assertThat(ids(withoutHeartbeats(watch.frames())))
                    .containsExactly(
                            "event: replay mars@2",
                            "event: replay mars@3",
                            "event: replay mars@4",
                            "event: replay mars@5",
                            "event: live-notification mars@3",
                            "event: live-notification mars@4",
                            "event: live-notification mars@5",
                            "event: live-notification mars@6");
            List<String> frames = withoutHeartbeats(watch.frames());
            assertThat(frames.get(5)).isEqualTo(replayCompleted("mars.od"));
            assertThat(frames.get(6)).isEqualTo(frames.get(2).replace("event: replay\n", "event: live-notification\n"));
        }
        server.duplicateAtHandover(false);
        try (StreamRecorder watch = watch(watchFrom(5))) {
            watch.awaitFrames("replay-control", 2);
            publish(1);
            assertThat(ids(withoutHeartbeats(watch.awaitFrames("live-notification", 1))))
                    .containsExactly("event: live-notification mars@7");
        }
    }

    @Test
    void malformedFramesReachOpenStreamsAndTheStreamContinues() {
        server.overlongLineBytes(2 * 1024 * 1024);
        try (StreamRecorder watch = watch(LIVE_WATCH)) {
            watch.awaitFrames(2);
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            assertThat(server.emitMalformed(AvisoTestServer.Malformed.BAD_JSON)).isEqualTo(1);
            assertThat(server.emitMalformed(AvisoTestServer.Malformed.INVALID_UTF8))
                    .isEqualTo(1);
            assertThat(server.emitMalformed(AvisoTestServer.Malformed.OVERLONG_LINE))
                    .isEqualTo(1);
            publish(1);
            List<String> frames = withoutHeartbeats(watch.awaitFrames(
                    f -> f.stream().anyMatch(x -> x.contains("\"id\":\"mars@1\"")), "the notification after"));
            assertThat(frames.get(1)).isEqualTo("event: live-notification\ndata: {not json");
            assertThat(frames.get(2)).startsWith("event: live-notification\ndata: {\"bad\":\"");
            String overlong = frames.get(3);
            String line = overlong.substring(overlong.indexOf('\n') + 1);
            assertThat(line.getBytes(UTF_8)).hasSize(2 * 1024 * 1024);
            assertThat(line).startsWith("data: {\"padding\":\"xxx").endsWith("xxx\"}");
            assertThat(ids(frames)).containsExactly("event: live-notification mars@1");
            assertThat(watch.ended()).isFalse();

            byte[] bytes = watch.bytes();
            byte[] invalid = "data: {\"bad\":\"".getBytes(UTF_8);
            int at = indexOf(bytes, invalid);
            assertThat(at).isPositive();
            assertThat(Arrays.copyOfRange(bytes, at + invalid.length, at + invalid.length + 5))
                    .containsExactly(0xC3, 0x28, '"', '}', '\n');
        }
    }

    @Test
    void aMalformedFrameWithoutOpenStreamsIsHeldForTheNextWatch() {
        assertThat(server.emitMalformed(AvisoTestServer.Malformed.BAD_JSON)).isZero();
        try (StreamRecorder watch = watch(LIVE_WATCH)) {
            List<String> frames = watch.awaitFrames(
                    f -> f.contains("event: live-notification\ndata: {not json"), "the held malformed frame");
            assertThat(frames.get(0)).contains("\"type\":\"connection_established\"");
        }
        try (StreamRecorder next = watch(LIVE_WATCH)) {
            next.awaitFrames("heartbeat", 2);
            assertThat(next.text()).doesNotContain("{not json");
        }
    }

    @Test
    void skipSequencesLeavesAGapOnTheWire() {
        try (StreamRecorder watch = watch(LIVE_WATCH)) {
            watch.awaitFrames(1);
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            publish(1);
            server.skipSequences(3);
            publish(1);
            assertThat(ids(watch.awaitFrames("live-notification", 3)))
                    .containsExactly("event: live-notification mars@1", "event: live-notification mars@5");
        }
    }

    @Test
    void failReplayAfterSendsAStreamProcessingErrorThenCompletes() {
        publish(4);
        server.failReplayAfter(2);
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"1\"}")) {
            String rid = replay.headers().get("X-Request-ID");
            List<String> frames = replay.awaitEnd().frames();
            assertThat(ids(frames)).containsExactly("event: replay mars@1", "event: replay mars@2");
            assertThat(frames.subList(3, 6))
                    .containsExactly(
                            "event: error\ndata: {\"error\":\"stream_processing_failed\","
                                    + "\"message\":\"Failed to fetch replay batch: injected failure\","
                                    + "\"request_id\":\"" + rid + "\",\"topic\":\"mars\"}",
                            replayCompleted("mars"),
                            closing("end_of_stream", "Stream completed", "mars", rid));
        }
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"1\"}")) {
            assertThat(ids(replay.awaitEnd().frames())).hasSize(4);
            assertThat(replay.text()).doesNotContain("event: error");
        }
    }

    @Test
    void replayLimitSendsTheLimitEventAndStopsHistory() {
        publish(4);
        server.replayLimit(3);
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"1\"}")) {
            List<String> frames = replay.awaitEnd().frames();
            assertThat(ids(frames)).hasSize(3);
            assertThat(frames.get(4))
                    .isEqualTo("event: replay-control\ndata: {\"max_allowed\":3,\"message\":\"Historical replay limited"
                            + " to 3 messages. Use a more recent from_id or from_date to receive newer notifications.\","
                            + "\"timestamp\":\"" + T0 + "\",\"topic\":\"mars\","
                            + "\"type\":\"notification_replay_limit_reached\"}");
            assertThat(frames.get(5)).isEqualTo(replayCompleted("mars"));
        }
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"2\"}")) {
            assertThat(ids(replay.awaitEnd().frames())).hasSize(3);
            assertThat(replay.text()).doesNotContain("notification_replay_limit_reached");
        }
    }

    @Test
    void dropNextLiveStoresButDoesNotDeliver() {
        try (StreamRecorder watch = watch(LIVE_WATCH)) {
            watch.awaitFrames(1);
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            server.dropNextLive(1);
            publish(2);
            assertThat(ids(watch.awaitFrames("live-notification", 2)))
                    .containsExactly("event: live-notification mars@2");
        }
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"1\"}")) {
            assertThat(ids(replay.awaitEnd().frames())).containsExactly("event: replay mars@1", "event: replay mars@2");
        }
    }

    @Test
    void simulateRestartDropsStreamsAndRestartsSequences() {
        publish(3);
        try (StreamRecorder watch = watch(LIVE_WATCH)) {
            watch.awaitFrames(1);
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            server.simulateRestart();
            assertDroppedAbruptly(watch);
        }
        assertThat(server.publish("mars", Map.of("class", "od"), "after restart"))
                .isEqualTo(1);
    }

    @Test
    void clearFaultsDisarmsEverything() {
        server.failNext(1, 503, null).stallNext(1).dropEvery(1).stallAfter(1).duplicateAtHandover(true);
        server.clearFaults();
        publish(2);
        try (StreamRecorder watch = watch(watchFrom(1))) {
            assertThat(watch.awaitStatus()).isEqualTo(200);
            watch.awaitFrames("replay-control", 2);
            publish(1);
            assertThat(ids(watch.awaitFrames("live-notification", 1)))
                    .containsExactly("event: live-notification mars@3");
            watch.awaitFrames("heartbeat", 2);
            assertThat(ids(watch.frames())).hasSize(3);
        }
    }

    /** Waits until no byte has arrived for 150 ms (frames written before a stall may be in flight). */
    private static int awaitQuiet(StreamRecorder... recorders) {
        AtomicInteger last = new AtomicInteger(-1);
        AtomicLong since = new AtomicLong();
        Await.until(
                () -> {
                    int now = Arrays.stream(recorders)
                            .mapToInt(r -> r.bytes().length)
                            .sum();
                    if (now != last.getAndSet(now)) {
                        since.set(System.nanoTime());
                        return false;
                    }
                    return System.nanoTime() - since.get()
                            >= Duration.ofMillis(150).toNanos();
                },
                StreamRecorder.TIMEOUT,
                "the streams go quiet");
        return last.get();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
