package io.watchgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.local.LocalOrigin;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.gateway.testing.GatewayInstance.Answer;
import io.watchgate.gateway.testing.SseRecorder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/watch} and {@code /api/v1/replay}: aviso-server's stream shapes and wire
 * format (aviso-protocol.md §2), from the gateway's journal, for the local origin and an aviso
 * upstream (the test emulator), compared frame by frame with the emulator's own streams.
 */
class AvisoCompatibleIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
    private static final Pattern MASKED = Pattern.compile("\"(timestamp|request_id)\":\"[^\"]*\"");

    @TempDir
    Path data;

    private AvisoTestServer upstream;
    private GatewayInstance gateway;

    @BeforeEach
    void start() {
        upstream = AvisoTestServer.start().heartbeatInterval(Duration.ofMillis(500));
        gateway = GatewayInstance.start(Map.of(
                "watchgate.store.url",
                "r2dbc:h2:file:///" + data.resolve("db").toAbsolutePath(),
                "watchgate.fanout.heartbeat-interval",
                "500ms",
                "watchgate.upstreams.ecmwf.protocol",
                "aviso",
                "watchgate.upstreams.ecmwf.url",
                upstream.baseUri().toString(),
                "watchgate.upstreams.feed.protocol",
                "sse",
                "watchgate.upstreams.feed.url",
                "http://127.0.0.1:9/{channel}"));
    }

    @AfterEach
    void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void replayOfTheLocalOriginSendsAvisosShapeCAndEnds() {
        for (int i = 1; i <= 5; i++) {
            publishLocal("replay1", "{\"step\":" + i + "}");
        }
        SseRecorder recorder = SseRecorder.post(
                gateway.uri("/api/v1/replay"),
                "{\"event_type\":\"replay1\",\"identifier\":{},\"from_id\":\"2\",\"upstream\":\"local\"}");
        List<SseEvent> events = completeStream(recorder);

        assertThat(events)
                .extracting(SseEvent::type)
                .containsExactly(
                        "replay-control",
                        "replay",
                        "replay",
                        "replay",
                        "replay",
                        "replay-control",
                        "connection-closing");
        assertThat(recorder.header("Content-Type")).isEqualTo("text/event-stream");
        assertThat(recorder.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(recorder.header("X-Accel-Buffering")).isEqualTo("no");
        String requestId = recorder.header("X-Request-ID");
        assertThat(requestId).isNotBlank();
        assertThat(recorder.comments()).isZero();
        assertThat(events).noneMatch(SseEvent::ownId);

        JsonNode started = control(
                events.get(0), "batch_size", "from_date", "from_sequence", "request_id", "timestamp", "topic", "type");
        assertThat(started.get("type").asString()).isEqualTo("replay_started");
        assertThat(started.get("from_sequence").asLong()).isEqualTo(2);
        assertThat(started.get("from_date").isNull()).isTrue();
        assertThat(started.get("batch_size").asInt()).isEqualTo(100);
        assertThat(started.get("topic").asString()).isEqualTo("replay1");
        assertThat(started.get("request_id").asString()).isEqualTo(requestId);
        assertThat(events.subList(1, 5))
                .extracting(e -> JSON.readTree(e.data()).get("id").asString())
                .containsExactly("replay1@2", "replay1@3", "replay1@4", "replay1@5");
        JsonNode replayed = JSON.readTree(events.get(1).data());
        assertThat(replayed.get("specversion").asString()).isEqualTo("1.0");
        assertThat(replayed.get("type").asString()).isEqualTo("int.ecmwf.aviso.replay1");
        assertThat(replayed.get("data").get("identifier").get("step").asString())
                .isEqualTo("2");
        JsonNode completed = control(events.get(5), "timestamp", "topic", "type");
        assertThat(completed.get("type").asString()).isEqualTo("replay_completed");
        JsonNode closing = control(events.get(6), "message", "reason", "request_id", "timestamp", "topic");
        assertThat(closing.get("reason").asString()).isEqualTo("end_of_stream");
        assertThat(closing.get("message").asString()).isEqualTo("Stream completed");
        assertThat(closing.get("request_id").asString()).isEqualTo(requestId);

        // a constraint is applied per subscriber; from_date is shown in whole seconds
        List<SseEvent> between = completeStream(SseRecorder.post(
                gateway.uri("/api/v1/replay"),
                "{\"event_type\":\"replay1\",\"identifier\":{\"step\":{\"between\":[2,3]}},"
                        + "\"from_date\":\"0\",\"upstream\":\"local\"}"));
        assertThat(named(between, "replay"))
                .extracting(e -> JSON.readTree(e.data()).get("id").asString())
                .containsExactly("replay1@2", "replay1@3");
        JsonNode fromDate = JSON.readTree(between.get(0).data());
        assertThat(fromDate.get("from_date").asString()).isEqualTo("1970-01-01T00:00:00Z");
        assertThat(fromDate.get("from_sequence").isNull()).isTrue();
        assertThat(fromDate.get("topic").asString()).isEqualTo("replay1.*");
    }

    @Test
    void liveWatchOfTheLocalOriginStartsWithConnectionEstablished() {
        try (SseRecorder watch = SseRecorder.post(
                gateway.uri("/api/v1/watch"),
                "{\"event_type\":\"live1\",\"identifier\":{\"step\":{\"gte\":2}},\"upstream\":\"local\"}")) {
            Await.until(() -> watch.events().size() >= 2, WAIT, "the first frames");
            SseEvent first = watch.events().get(0);
            assertThat(first.type()).isEqualTo("live-notification");
            JsonNode established =
                    control(first, "connection_will_close_in_seconds", "request_id", "timestamp", "topic", "type");
            assertThat(established.get("type").asString()).isEqualTo("connection_established");
            assertThat(established.get("request_id").asString()).isEqualTo(watch.header("X-Request-ID"));
            assertThat(established.get("connection_will_close_in_seconds").asLong())
                    .isEqualTo(3600);
            assertThat(established.get("topic").asString()).isEqualTo("live1.*");
            SseEvent heartbeat = watch.events().get(1);
            assertThat(heartbeat.type()).isEqualTo("heartbeat");
            assertThat(control(heartbeat, "timestamp", "topic").get("topic").asString())
                    .isEqualTo("live1.*");

            awaitLocalSubscribers("live1", 1);
            publishLocal("live1", "{\"step\":1}");
            publishLocal("live1", "{\"step\":3}");
            Await.until(() -> cloudEvents(watch.events()).size() == 1, WAIT, "the matching notification");
            SseEvent live = cloudEvents(watch.events()).get(0);
            assertThat(live.type()).isEqualTo("live-notification");
            assertThat(JSON.readTree(live.data()).get("id").asString()).isEqualTo("live1@2");
            Await.until(() -> named(watch.events(), "heartbeat").size() >= 3, WAIT, "heartbeats keep coming");
            assertThat(watch.events()).noneMatch(SseEvent::ownId);
            assertThat(watch.comments()).isZero();
            assertThat(watch.completed()).isFalse();
        }
    }

    @Test
    void watchFromIdOfTheLocalOriginReplaysThenGoesLive() {
        for (int i = 1; i <= 3; i++) {
            publishLocal("resume1", "{\"step\":" + i + "}");
        }
        try (SseRecorder watch = SseRecorder.post(
                gateway.uri("/api/v1/watch"),
                "{\"event_type\":\"resume1\",\"identifier\":{},\"from_id\":\"2\",\"upstream\":\"local\"}")) {
            Await.until(() -> named(watch.events(), "replay-control").size() == 2, WAIT, "the replay");
            publishLocal("resume1", "{\"step\":4}");
            Await.until(() -> named(watch.events(), "live-notification").size() == 1, WAIT, "the live one");

            List<SseEvent> events = withoutHeartbeats(watch.events());
            assertThat(events)
                    .extracting(SseEvent::type)
                    .containsExactly("replay-control", "replay", "replay", "replay-control", "live-notification");
            assertThat(JSON.readTree(events.get(0).data()).get("type").asString())
                    .isEqualTo("replay_started");
            assertThat(JSON.readTree(events.get(0).data()).get("from_sequence").asLong())
                    .isEqualTo(2);
            assertThat(JSON.readTree(events.get(0).data()).get("request_id").asString())
                    .isEqualTo(watch.header("X-Request-ID"));
            assertThat(events.subList(1, 3))
                    .extracting(e -> JSON.readTree(e.data()).get("id").asString())
                    .containsExactly("resume1@2", "resume1@3");
            assertThat(JSON.readTree(events.get(3).data()).get("type").asString())
                    .isEqualTo("replay_completed");
            assertThat(JSON.readTree(events.get(4).data()).get("id").asString()).isEqualTo("resume1@4");
            // the first heartbeat follows replay_started at once; no connection_established here
            assertThat(watch.events().get(1).type()).isEqualTo("heartbeat");
            assertThat(watch.events()).noneMatch(e -> e.data().contains("\"connection_established\""));
        }
    }

    @Test
    void replayAndWatchThroughTheGatewayMatchTheUpstreamsOwn() {
        for (int step = 1; step <= 5; step++) {
            upstream.publish("mars", Map.of("class", "od", "step", step), Map.of("n", step));
        }
        upstream.publish("mars", Map.of("class", "rd", "step", 3), "other");
        // no "upstream": the only aviso upstream configured is the default
        String body = "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\",\"step\":{\"gte\":2}},"
                + "\"from_id\":\"2\"}";

        // the first replay through the gateway starts the upstream session from from_id: it sends
        // what the journal holds at once, and the session goes on filling the journal
        List<SseEvent> first = completeStream(SseRecorder.post(gateway.uri("/api/v1/replay"), body));
        assertThat(first.get(0).type()).isEqualTo("replay-control");
        assertThat(first.get(first.size() - 1).type()).isEqualTo("connection-closing");
        Await.until(() -> journaled("ecmwf") == 4, WAIT, "the session journaled the history");

        List<SseEvent> direct = completeStream(SseRecorder.post(upstream.uri("/api/v1/replay"), body));
        List<SseEvent> through = completeStream(SseRecorder.post(gateway.uri("/api/v1/replay"), body));
        assertThat(comparable(direct)).hasSize(7).element(1).asString().contains("\"id\":\"mars@2\"");
        assertThat(comparable(through)).isEqualTo(comparable(direct));

        try (SseRecorder directWatch = SseRecorder.post(upstream.uri("/api/v1/watch"), body);
                SseRecorder watch = SseRecorder.post(gateway.uri("/api/v1/watch"), body)) {
            Await.until(
                    () -> named(directWatch.events(), "replay-control").size() == 2
                            && named(watch.events(), "replay-control").size() == 2,
                    WAIT,
                    "both replays");
            upstream.publish("mars", Map.of("class", "rd", "step", 9), "filtered out");
            upstream.publish("mars", Map.of("class", "od", "step", 9), "live");
            Await.until(
                    () -> named(directWatch.events(), "live-notification").size() == 1
                            && named(watch.events(), "live-notification").size() == 1,
                    WAIT,
                    "the live notification on both");
            List<String> expected = comparable(directWatch.events());
            assertThat(expected).hasSize(7).last().asString().contains("\"id\":\"mars@8\"");
            assertThat(comparable(watch.events())).isEqualTo(expected);
            assertThat(named(watch.events(), "heartbeat")).isNotEmpty();
        }
    }

    @Test
    void shutdownClosesStreamsWithServerShutdown() {
        try (SseRecorder live = SseRecorder.post(
                        gateway.uri("/api/v1/watch"),
                        "{\"event_type\":\"bye\",\"identifier\":{},\"upstream\":\"local\"}");
                SseRecorder resumed = SseRecorder.post(
                        gateway.uri("/api/v1/watch"),
                        "{\"event_type\":\"bye\",\"identifier\":{},\"from_id\":\"1\",\"upstream\":\"local\"}")) {
            Await.until(
                    () -> named(resumed.events(), "replay-control").size() == 2
                            && named(live.events(), "heartbeat").size() >= 1,
                    WAIT,
                    () -> "both streams run: " + live.events() + " / " + resumed.events() + " " + resumed.status());
            awaitLocalSubscribers("bye", 2);
            gateway.close();
            for (SseRecorder recorder : List.of(live, resumed)) {
                Await.until(recorder::completed, WAIT, "the stream ended");
                List<SseEvent> events = recorder.events();
                SseEvent last = events.get(events.size() - 1);
                assertThat(last.type()).isEqualTo("connection-closing");
                JsonNode closing = JSON.readTree(last.data());
                assertThat(closing.get("reason").asString()).isEqualTo("server_shutdown");
                assertThat(closing.get("message").asString()).isEqualTo("Server is shutting down gracefully");
                assertThat(named(events, "connection-closing")).hasSize(1);
            }
        }
    }

    @Test
    void badRequestsGetAvisosCodes() {
        assertCode(gateway.post("/api/v1/watch", "{"), 400, "INVALID_JSON");
        assertCode(gateway.post("/api/v1/replay", "[1]"), 400, "INVALID_REQUEST_SHAPE");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{},\"nope\":1}"),
                400,
                "UNKNOWN_FIELD");
        assertCode(
                gateway.post("/api/v1/replay", "{\"event_type\":\"x\",\"identifier\":{}}"),
                400,
                "INVALID_REPLAY_REQUEST");
        assertCode(
                gateway.post(
                        "/api/v1/watch",
                        "{\"event_type\":\"x\",\"identifier\":{},\"from_id\":\"1\",\"from_date\":\"0\"}"),
                400,
                "INVALID_WATCH_REQUEST");
        assertCode(
                gateway.post(
                        "/api/v1/replay",
                        "{\"event_type\":\"x\",\"identifier\":{},\"from_id\":\"1\",\"from_date\":\"0\"}"),
                400,
                "INVALID_REPLAY_REQUEST");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{},\"from_id\":\"abc\"}"),
                400,
                "INVALID_WATCH_REQUEST");
        assertCode(
                gateway.post("/api/v1/replay", "{\"event_type\":\"x\",\"identifier\":{},\"from_id\":\" \"}"),
                400,
                "INVALID_REPLAY_REQUEST");
        assertCode(
                gateway.post("/api/v1/replay", "{\"event_type\":\"x\",\"identifier\":{},\"from_date\":\"2026-01-01\"}"),
                400,
                "INVALID_REPLAY_REQUEST");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{},\"from_id\":2}"),
                400,
                "INVALID_REQUEST_SHAPE");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{\"step\":{\"gte\":\"a\"}}}"),
                400,
                "INVALID_WATCH_REQUEST");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{\"step\":{\"gt\":1,\"lt\":5}}}"),
                400,
                "INVALID_WATCH_REQUEST");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{\"step\":{\"near\":1}}}"),
                400,
                "INVALID_WATCH_REQUEST");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{},\"upstream\":\"nowhere\"}"),
                404,
                "UNKNOWN_UPSTREAM");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{},\"upstream\":\"feed\"}"),
                400,
                "INVALID_REQUEST_SHAPE");
    }

    @Test
    void withSeveralAvisoUpstreamsTheBodyMustNameOne() {
        try (GatewayInstance two = GatewayInstance.start(Map.of(
                "watchgate.store.url",
                "r2dbc:h2:file:///" + data.resolve("two").toAbsolutePath(),
                "watchgate.upstreams.a.protocol",
                "aviso",
                "watchgate.upstreams.a.url",
                upstream.baseUri().toString(),
                "watchgate.upstreams.b.protocol",
                "aviso",
                "watchgate.upstreams.b.url",
                upstream.baseUri().toString()))) {
            Answer answer = two.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{}}");
            assertCode(answer, 400, "INVALID_REQUEST_SHAPE");
            assertThat(JSON.readTree(answer.body()).get("message").asString()).contains("\"upstream\"");
        }
    }

    private void publishLocal(String eventType, String identifier) {
        Answer answer = gateway.post(
                "/api/v1/notification", "{\"event_type\":\"" + eventType + "\",\"identifier\":" + identifier + "}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    private void awaitLocalSubscribers(String eventType, int count) {
        Await.until(
                () -> gateway.bean(LocalOrigin.class)
                                .find(eventType)
                                .map(session -> session.subscribers().size())
                                .orElse(0)
                        == count,
                WAIT,
                "subscribers attached");
    }

    /** The newest offset journaled by the running session of an upstream. */
    private long journaled(String upstreamName) {
        return gateway.bean(SessionHub.class).sessions().stream()
                .filter(session -> session.spec().upstream().equals(upstreamName))
                .mapToLong(HubSession::newestOffset)
                .max()
                .orElse(0);
    }

    private static void assertCode(Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("code").asString()).as(answer.body()).isEqualTo(code);
        assertThat(body.get("request_id").asString()).isEqualTo(answer.headers().get("X-Request-ID"));
    }

    private static List<SseEvent> completeStream(SseRecorder recorder) {
        try (recorder) {
            Await.until(recorder::completed, WAIT, "the stream ended");
            assertThat(recorder.status()).isEqualTo(200);
            return recorder.events();
        }
    }

    /**
     * A control frame's data, checked: keys in alphabetical order (exactly these), compact JSON, a
     * whole-second UTC timestamp.
     */
    private static JsonNode control(SseEvent event, String... keys) {
        JsonNode data = JSON.readTree(event.data());
        assertThat(data.propertyNames()).as(event.data()).containsExactly(keys);
        assertThat(event.data()).isEqualTo(JSON.writeValueAsString(data));
        if (data.has("timestamp")) {
            assertThat(data.get("timestamp").asString()).matches(TIMESTAMP);
        }
        return data;
    }

    private static List<SseEvent> named(List<SseEvent> events, String name) {
        return events.stream().filter(e -> e.type().equals(name)).toList();
    }

    private static List<SseEvent> cloudEvents(List<SseEvent> events) {
        return events.stream().filter(e -> e.data().contains("\"specversion\"")).toList();
    }

    private static List<SseEvent> withoutHeartbeats(List<SseEvent> events) {
        return events.stream().filter(e -> !e.type().equals("heartbeat")).toList();
    }

    /**
     * Each event as {@code name data}, heartbeats left out: CloudEvents exactly as sent, control
     * frames with the values of {@code timestamp} and {@code request_id} masked (everything else,
     * {@code topic} and the key order included, must be equal).
     */
    private static List<String> comparable(List<SseEvent> events) {
        List<String> comparable = new ArrayList<>();
        for (SseEvent event : withoutHeartbeats(events)) {
            String data = event.data().contains("\"specversion\"")
                    ? event.data()
                    : MASKED.matcher(event.data()).replaceAll("\"$1\":\"*\"");
            comparable.add(event.type() + " " + data);
        }
        return comparable;
    }
}
