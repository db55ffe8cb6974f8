package io.watchgate.core.testing;

import static io.watchgate.core.testing.AvisoTestServer.REPLAY_PATH;
import static io.watchgate.core.testing.AvisoTestServer.WATCH_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/** Stream shapes A/B/C, framing, headers, CloudEvents, filtering and sequences of {@link AvisoTestServer}. */
class AvisoTestServerStreamsIntegrationTests {

    static final String T0 = "2026-03-04T10:00:00Z";
    static final String T0_TIME = "2026-03-04T10:00:00.123456789Z";

    private final MutableClock clock = MutableClock.at(T0_TIME);
    private AvisoTestServer server;

    @BeforeEach
    void start() {
        server = AvisoTestServer.start().clock(clock);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String cloudEvent(String event, String id, String identifierJson, String payloadJson, String time) {
        String type = id.substring(0, id.indexOf('@'));
        return "event: " + event + "\ndata: {\"data\":{\"identifier\":" + identifierJson + ",\"payload\":" + payloadJson
                + "},\"datacontenttype\":\"application/json\",\"dataschema\":\"http://localhost/schema/" + type
                + "\",\"id\":\"" + id + "\",\"source\":\"http://localhost\",\"specversion\":\"1.0\",\"time\":\""
                + time + "\",\"type\":\"int.ecmwf.aviso." + type + "\"}";
    }

    static String heartbeat(String topic) {
        return "event: heartbeat\ndata: {\"timestamp\":\"" + T0 + "\",\"topic\":\"" + topic + "\"}";
    }

    static String replayStarted(String topic, String fromSequence, String fromDate, String requestId) {
        return "event: replay-control\ndata: {\"batch_size\":100,\"from_date\":" + fromDate + ",\"from_sequence\":"
                + fromSequence + ",\"request_id\":\"" + requestId + "\",\"timestamp\":\"" + T0 + "\",\"topic\":\""
                + topic + "\",\"type\":\"replay_started\"}";
    }

    static String replayCompleted(String topic) {
        return "event: replay-control\ndata: {\"timestamp\":\"" + T0 + "\",\"topic\":\"" + topic
                + "\",\"type\":\"replay_completed\"}";
    }

    static String closing(String reason, String message, String topic, String requestId) {
        return "event: connection-closing\ndata: {\"message\":\"" + message + "\",\"reason\":\"" + reason
                + "\",\"request_id\":\"" + requestId + "\",\"timestamp\":\"" + T0 + "\",\"topic\":\"" + topic + "\"}";
    }

    static List<String> withoutHeartbeats(List<String> frames) {
        return frames.stream().filter(f -> !f.startsWith("event: heartbeat\n")).toList();
    }

    static String requestId(StreamRecorder recorder) {
        return recorder.headers().get("X-Request-ID");
    }

    @Test
    void liveOnlyWatchIsShapeAWithExactFramesAndOnlyMatchingNotifications() {
        try (StreamRecorder watch = StreamRecorder.post(
                server.uri(WATCH_PATH), "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\"}}")) {
            assertThat(watch.awaitStatus()).isEqualTo(200);
            String rid = requestId(watch);
            assertThat(watch.awaitFrames(2))
                    .containsExactly(
                            "event: live-notification\ndata: {\"connection_will_close_in_seconds\":3600,"
                                    + "\"request_id\":\"" + rid + "\",\"timestamp\":\"" + T0
                                    + "\",\"topic\":\"mars.od\",\"type\":\"connection_established\"}",
                            heartbeat("mars.od"));

            assertThat(server.publish("mars", Map.of("class", "od", "step", 1), Map.of("k", "v", "a", List.of(1, 2))))
                    .isEqualTo(1);
            assertThat(server.publish("mars", Map.of("class", "rd"), "not for this watch"))
                    .isEqualTo(2);
            assertThat(server.publish("extreme", Map.of("class", "od"), "other type"))
                    .isEqualTo(1);
            assertThat(server.publish("mars", Map.of("class", "od"), null)).isEqualTo(3);

            assertThat(watch.awaitFrames(4))
                    .containsExactly(
                            watch.frames().get(0),
                            heartbeat("mars.od"),
                            cloudEvent(
                                    "live-notification",
                                    "mars@1",
                                    "{\"class\":\"od\",\"step\":\"1\"}",
                                    "{\"a\":[1,2],\"k\":\"v\"}",
                                    T0_TIME),
                            cloudEvent(
                                    "live-notification",
                                    "mars@3",
                                    "{\"class\":\"od\"}",
                                    "null",
                                    "2026-03-04T10:00:00.123456792Z"));
            assertThat(watch.text()).doesNotStartWith("id:").doesNotContain("\nid:");
            assertThat(watch.ended()).isFalse();
            assertThat(server.openStreams()).isEqualTo(1);
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
    }

    @Test
    void eventStreamResponsesHaveExactlyTheAvisoHeaders() {
        try (StreamRecorder watch =
                StreamRecorder.post(server.uri(WATCH_PATH), "{\"event_type\":\"mars\",\"identifier\":{}}")) {
            assertThat(watch.awaitStatus()).isEqualTo(200);
            var headers = watch.headers();
            assertThat(headers.get("Content-Type")).isEqualTo("text/event-stream");
            assertThat(headers.get("Cache-Control")).isEqualTo("no-cache");
            assertThat(headers.get("Connection")).isEqualTo("keep-alive");
            assertThat(headers.get("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(headers.get("X-Accel-Buffering")).isEqualTo("no");
            assertThat(headers.get("X-Request-ID"))
                    .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            assertThat(headers.names())
                    .map(String::toLowerCase)
                    .containsExactlyInAnyOrder(
                            "content-type",
                            "cache-control",
                            "connection",
                            "access-control-allow-origin",
                            "x-accel-buffering",
                            "x-request-id",
                            "transfer-encoding");
            assertThat(headers.get("Transfer-Encoding")).isEqualTo("chunked");
        }
    }

    @Test
    void everyResponseHasAFreshRequestId() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (StreamRecorder health = StreamRecorder.get(server.uri(AvisoTestServer.HEALTH_PATH), Map.of())) {
                assertThat(health.awaitStatus()).isEqualTo(200);
                assertThat(health.awaitEnd().text()).isEqualTo("{\"status\":\"ok\"}");
                assertThat(health.headers().get("Content-Type")).isEqualTo("application/json");
                ids.add(health.headers().get("X-Request-ID"));
            }
        }
        assertThat(ids).hasSize(3).doesNotHaveDuplicates().allMatch(id -> id.length() == 36);
    }

    @Test
    void watchFromIdIsShapeBWithInclusiveAscendingReplayThenLive() {
        server.publishMany("mars", Map.of("class", "od"), 2);
        server.publish("mars", Map.of("class", "rd"), "filtered out");
        server.publishMany("mars", Map.of("class", "od"), 3);
        try (StreamRecorder watch = StreamRecorder.post(
                server.uri(WATCH_PATH),
                "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\"},\"from_id\":\"2\"}")) {
            assertThat(watch.awaitStatus()).isEqualTo(200);
            String rid = requestId(watch);
            watch.awaitFrames("replay-control", 2);
            long live = server.publish("mars", Map.of("class", "od"), "live");
            watch.awaitFrames("live-notification", 1);
            assertThat(live).isEqualTo(7);
            assertThat(watch.frames().get(0)).isEqualTo(replayStarted("mars.od", "2", "null", rid));
            assertThat(withoutHeartbeats(watch.frames()))
                    .containsExactly(
                            replayStarted("mars.od", "2", "null", rid),
                            cloudEvent("replay", "mars@2", "{\"class\":\"od\"}", "2", "2026-03-04T10:00:00.123456790Z"),
                            cloudEvent("replay", "mars@4", "{\"class\":\"od\"}", "1", "2026-03-04T10:00:00.123456792Z"),
                            cloudEvent("replay", "mars@5", "{\"class\":\"od\"}", "2", "2026-03-04T10:00:00.123456793Z"),
                            cloudEvent("replay", "mars@6", "{\"class\":\"od\"}", "3", "2026-03-04T10:00:00.123456794Z"),
                            replayCompleted("mars.od"),
                            cloudEvent(
                                    "live-notification",
                                    "mars@7",
                                    "{\"class\":\"od\"}",
                                    "\"live\"",
                                    "2026-03-04T10:00:00.123456795Z"));
            assertThat(watch.frames("heartbeat")).isNotEmpty().allMatch(f -> f.equals(heartbeat("mars.od")));
            assertThat(watch.text()).doesNotContain("connection_established");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-03-04T10:00:05Z",
                "2026-03-04T11:00:05+01:00",
                "2026-03-04 10:00:05",
                "2026-03-04T10:00:05",
                "1772618405",
                "1772618405000"
            })
    void fromDateIsInclusiveOnStoredTimeInEveryAcceptedFormat(String fromDate) {
        clock.set(Instant.parse("2026-03-04T10:00:00Z"));
        server.publish("diss", Map.of("destination", "x"), "old");
        clock.set(Instant.parse("2026-03-04T10:00:05Z"));
        server.publish("diss", Map.of("destination", "x"), "boundary");
        clock.set(Instant.parse("2026-03-04T10:00:09.5Z"));
        server.publish("diss", Map.of("destination", "x"), "new");
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH),
                "{\"event_type\":\"diss\",\"identifier\":{},\"from_date\":\"" + fromDate + "\"}")) {
            List<String> frames = replay.awaitEnd().frames();
            assertThat(replay.completed()).isTrue();
            assertThat(frames.get(0))
                    .contains("\"from_date\":\"2026-03-04T10:00:05Z\",\"from_sequence\":null")
                    .contains("\"topic\":\"diss\"");
            assertThat(frames.subList(1, 3))
                    .containsExactly(
                            cloudEvent(
                                    "replay",
                                    "diss@2",
                                    "{\"destination\":\"x\"}",
                                    "\"boundary\"",
                                    "2026-03-04T10:00:05Z"),
                            cloudEvent(
                                    "replay",
                                    "diss@3",
                                    "{\"destination\":\"x\"}",
                                    "\"new\"",
                                    "2026-03-04T10:00:09.500Z"));
            assertThat(frames).hasSize(5);
        }
    }

    @Test
    void replayIsShapeCWithoutHeartbeatsAndEndsWithEndOfStream() {
        server.heartbeatInterval(Duration.ofMillis(20));
        server.publishMany("mars", Map.of("class", "od"), 3);
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"0\"}")) {
            assertThat(replay.awaitStatus()).isEqualTo(200);
            String rid = requestId(replay);
            assertThat(replay.awaitEnd().completed()).isTrue();
            assertThat(replay.frames())
                    .containsExactly(
                            replayStarted("mars", "0", "null", rid),
                            cloudEvent("replay", "mars@1", "{\"class\":\"od\"}", "1", T0_TIME),
                            cloudEvent("replay", "mars@2", "{\"class\":\"od\"}", "2", "2026-03-04T10:00:00.123456790Z"),
                            cloudEvent("replay", "mars@3", "{\"class\":\"od\"}", "3", "2026-03-04T10:00:00.123456791Z"),
                            replayCompleted("mars"),
                            closing("end_of_stream", "Stream completed", "mars", rid));
            assertThat(replay.text()).endsWith("\n\n");
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void replayOfAnEmptyHistoryStillCompletes() {
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"+5\"}")) {
            String rid = requestId(replay);
            assertThat(replay.awaitEnd().frames())
                    .containsExactly(
                            replayStarted("mars", "5", "null", rid),
                            replayCompleted("mars"),
                            closing("end_of_stream", "Stream completed", "mars", rid));
        }
    }

    @Test
    void firstHeartbeatIsImmediateThenEveryInterval() {
        server.heartbeatInterval(Duration.ofSeconds(30));
        long start = System.nanoTime();
        try (StreamRecorder slow =
                StreamRecorder.post(server.uri(WATCH_PATH), "{\"event_type\":\"mars\",\"identifier\":{}}")) {
            assertThat(slow.awaitFrames(2).get(1)).isEqualTo(heartbeat("mars"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
        server.heartbeatInterval(Duration.ofMillis(50));
        try (StreamRecorder fast =
                StreamRecorder.post(server.uri(WATCH_PATH), "{\"event_type\":\"mars\",\"identifier\":{}}")) {
            assertThat(fast.awaitFrames("heartbeat", 4)).allMatch(f -> f.equals(heartbeat("mars")));
            assertThat(fast.frames().get(0)).contains("\"type\":\"connection_established\"");
        }
    }

    @Test
    void watchEndsWithMaxDurationReachedAfterMaxDuration() {
        server.maxDuration(Duration.ofMillis(300));
        try (StreamRecorder watch =
                StreamRecorder.post(server.uri(WATCH_PATH), "{\"event_type\":\"mars\",\"identifier\":{}}")) {
            String rid = requestId(watch);
            List<String> frames = watch.awaitEnd().frames();
            assertThat(watch.completed()).isTrue();
            assertThat(frames.get(0)).contains("\"connection_will_close_in_seconds\":1,");
            assertThat(frames.get(frames.size() - 1))
                    .isEqualTo(closing("max_duration_reached", "Connection reached maximum duration", "mars", rid));
            assertThat(frames.stream().filter(f -> f.startsWith("event: connection-closing")))
                    .hasSize(1);
        }
    }

    @Test
    void identifierConstraintsFilterReplayAndLive() {
        server.publish("extreme", Map.of("region", "north", "severity", 1, "anomaly", 12.5), "n1");
        server.publish("extreme", Map.of("region", "North", "severity", 5, "anomaly", 42.5), "n5");
        server.publish("extreme", Map.of("region", "south", "severity", 7, "anomaly", 40.0), "s7");
        server.publish("extreme", Map.of("region", "north", "anomaly", 50), "no severity");
        String body = "{\"event_type\":\"extreme\",\"identifier\":{\"severity\":{\"between\":[2,7]},"
                + "\"region\":{\"in\":[\"NORTH\",\"east\"]}},\"from_id\":\"1\"}";
        try (StreamRecorder watch = StreamRecorder.post(server.uri(WATCH_PATH), body)) {
            watch.awaitFrames("replay-control", 2);
            server.publish("extreme", Map.of("region", "north", "severity", 8), "too severe");
            server.publish("extreme", Map.of("region", "north", "severity", "2.0"), "live match");
            watch.awaitFrames("live-notification", 1);
            assertThat(watch.frames().get(0)).contains("\"topic\":\"extreme.*.*\"");
            assertThat(withoutHeartbeats(watch.frames()).stream()
                            .filter(f -> f.contains("\"specversion\""))
                            .map(f -> f.replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1")))
                    .containsExactly("extreme@2", "extreme@6");
            assertThat(watch.frames("replay").get(0))
                    .contains("\"identifier\":{\"anomaly\":\"42.5\",\"region\":\"North\",\"severity\":\"5\"}");
        }
    }

    @Test
    void scalarIdentifierValuesMatchAsStringsAndAbsentKeysMatchAnything() {
        server.publish("mars", Map.of("class", "od", "step", 4, "flag", true), "a");
        server.publish("mars", Map.of("class", "od", "step", 5), "b");
        server.publish("mars", Map.of("class", "OD", "step", 4), "c");
        server.publish("mars", Map.of("step", 4), "d");
        assertThat(replayIds("{\"step\":4}")).containsExactly("mars@1", "mars@3", "mars@4");
        assertThat(replayIds("{\"step\":\"4\",\"class\":\"od\"}")).containsExactly("mars@1");
        assertThat(replayIds("{\"flag\":true}")).containsExactly("mars@1");
        assertThat(replayIds("{\"step\":{\"gt\":4}}")).containsExactly("mars@2");
        assertThat(replayIds("{\"step\":{\"lte\":4.0}}")).containsExactly("mars@1", "mars@3", "mars@4");
        assertThat(replayIds("{\"class\":{\"eq\":\"Od\"}}")).containsExactly("mars@1", "mars@2", "mars@3");
        assertThat(replayIds("{}")).containsExactly("mars@1", "mars@2", "mars@3", "mars@4");
    }

    private List<String> replayIds(String identifier) {
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH),
                "{\"event_type\":\"mars\",\"identifier\":" + identifier + ",\"from_id\":\"1\"}")) {
            assertThat(replay.awaitStatus()).isEqualTo(200);
            return replay.awaitEnd().frames("replay").stream()
                    .map(f -> TestJson.MAPPER.readTree(f.substring(f.indexOf("data: ") + 6)))
                    .map(json -> json.get("id").stringValue())
                    .toList();
        }
    }

    @Test
    void sequencesArePerEventTypeAndResetSkipAndRestartWork() {
        assertThat(server.publish("mars", Map.of(), 1)).isEqualTo(1);
        assertThat(server.publish("mars", Map.of(), 2)).isEqualTo(2);
        assertThat(server.publish("diss", Map.of(), 1)).isEqualTo(1);
        server.skipSequences(3);
        assertThat(server.publish("diss", Map.of(), 2)).isEqualTo(5);
        assertThat(server.publish("mars", Map.of(), 3)).isEqualTo(3);
        server.skipSequences("mars", 10);
        assertThat(server.publish("mars", Map.of(), 4)).isEqualTo(14);
        assertThat(server.lastSequence("mars")).isEqualTo(14);

        server.resetSequences();
        assertThat(server.lastSequence("mars")).isZero();
        assertThat(replayIds("{}")).isEmpty();
        assertThat(server.publish("mars", Map.of(), 5)).isEqualTo(1);
        assertThat(replayIds("{}")).containsExactly("mars@1");
    }

    @Test
    void concurrentPublishersGetUniqueSequencesDeliveredInOrder() {
        server.heartbeatInterval(Duration.ofSeconds(30));
        try (StreamRecorder watch =
                StreamRecorder.post(server.uri(WATCH_PATH), "{\"event_type\":\"mars\",\"identifier\":{}}")) {
            watch.awaitFrames(2);
            List<Long> sequences = Flux.range(0, 400)
                    .parallel(4)
                    .runOn(Schedulers.parallel())
                    .map(i -> server.publish("mars", Map.of("n", i), i))
                    .sequential()
                    .collectList()
                    .block(StreamRecorder.TIMEOUT);
            assertThat(sequences)
                    .containsExactlyInAnyOrderElementsOf(
                            LongStream.rangeClosed(1, 400).boxed().toList());
            List<String> live = watch.awaitFrames("live-notification", 401);
            assertThat(live.subList(1, 401).stream()
                            .map(f -> TestJson.MAPPER.readTree(f.substring(f.indexOf("data: ") + 6)))
                            .map(json -> json.get("id").stringValue()))
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, 400)
                            .mapToObj(n -> "mars@" + n)
                            .toList());
        }
    }

    @Test
    void notificationEndpointPublishesAndAnswersLikeAviso() {
        try (StreamRecorder notify = StreamRecorder.post(
                server.uri(AvisoTestServer.NOTIFICATION_PATH),
                "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\",\"step\":1.50,\"ok\":false},"
                        + "\"payload\":{\"z\":1,\"a\":null}}")) {
            assertThat(notify.awaitStatus()).isEqualTo(200);
            String rid = requestId(notify);
            assertThat(notify.awaitEnd().text())
                    .isEqualTo(
                            "{\"processed_at\":\"" + T0 + "\",\"request_id\":\"" + rid + "\",\"status\":\"success\"}");
            assertThat(notify.headers().get("Content-Type")).isEqualTo("application/json");
        }
        try (StreamRecorder notify = StreamRecorder.post(
                server.uri(AvisoTestServer.NOTIFICATION_PATH),
                "{\"event_type\":\"mars\",\"identifier\":{},\"payload\":null}")) {
            assertThat(notify.awaitStatus()).isEqualTo(200);
        }
        assertThat(server.lastSequence("mars")).isEqualTo(2);
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"1\"}")) {
            assertThat(replay.awaitEnd().frames("replay"))
                    .containsExactly(
                            cloudEvent(
                                    "replay",
                                    "mars@1",
                                    "{\"class\":\"od\",\"ok\":\"false\",\"step\":\"1.5\"}",
                                    "{\"a\":null,\"z\":1}",
                                    T0_TIME),
                            cloudEvent("replay", "mars@2", "{}", "null", "2026-03-04T10:00:00.123456790Z"));
        }
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithRequestIds() {
        try (StreamRecorder unknown = StreamRecorder.get(server.uri("/api/v1/nope"), Map.of())) {
            assertThat(unknown.awaitStatus()).isEqualTo(404);
            assertThat(unknown.headers().get("X-Request-ID")).hasSize(36);
            assertThat(unknown.awaitEnd().text()).isEmpty();
        }
        try (StreamRecorder wrong = StreamRecorder.get(server.uri(WATCH_PATH), Map.of())) {
            assertThat(wrong.awaitStatus()).isEqualTo(405);
            assertThat(wrong.awaitEnd().text()).isEmpty();
        }
        assertThat(server.requests())
                .extracting(RecordedRequest::method, RecordedRequest::path, RecordedRequest::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("GET", "/api/v1/nope", 404),
                        org.assertj.core.groups.Tuple.tuple("GET", WATCH_PATH, 405));
    }

    @Test
    void watchRequestsRecordPathBodyAndHeaders() {
        try (StreamRecorder watch = StreamRecorder.post(
                server.uri(WATCH_PATH),
                "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\"},\"from_id\":\"7\",\"from_date\":null}",
                Map.of("User-Agent", "watchgate-test/1.0", "X-Custom", "yes"))) {
            assertThat(watch.awaitStatus()).isEqualTo(200);
            RecordedRequest recorded = server.watchRequests().get(0);
            assertThat(recorded.path()).isEqualTo(WATCH_PATH);
            assertThat(recorded.method()).isEqualTo("POST");
            assertThat(recorded.status()).isEqualTo(200);
            assertThat(recorded.requestId()).isEqualTo(requestId(watch));
            assertThat(recorded.fromId()).isEqualTo("7");
            assertThat(recorded.fromDate()).isNull();
            assertThat(recorded.json()).containsEntry("from_date", null).containsKey("identifier");
            assertThat(recorded.json().get("identifier")).isEqualTo(Map.of("class", "od"));
            assertThat(recorded.eventType()).isEqualTo("mars");
            assertThat(recorded.userAgent()).isEqualTo("watchgate-test/1.0");
            assertThat(recorded.header("x-custom")).isEqualTo("yes");
            assertThat(recorded.authorization()).isNull();
            server.awaitConnectionCount(1, StreamRecorder.TIMEOUT);
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    static JsonNode json(String text) {
        return TestJson.MAPPER.readTree(text);
    }
}
