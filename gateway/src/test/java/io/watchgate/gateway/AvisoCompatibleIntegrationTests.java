package io.watchgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.gateway.testing.GatewayInstance.Answer;
import io.watchgate.gateway.testing.SseRecorder;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code POST /api/v1/watch} and {@code /api/v1/replay}: aviso's wire format from the gateway's journal. */
class AvisoCompatibleIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private AvisoTestServer upstream;
    private TestDatabase database;
    private GatewayInstance gateway;

    @BeforeEach
    void start() {
        upstream = AvisoTestServer.start().heartbeatInterval(Duration.ofMillis(500));
        database = TestDatabase.create(AvisoCompatibleIntegrationTests.class, Dialect.H2);
        gateway = GatewayInstance.start(Map.of(
                "watchgate.store.url",
                database.url(),
                "watchgate.fanout.heartbeat-interval",
                "500ms",
                "watchgate.upstreams.ecmwf.protocol",
                "aviso",
                "watchgate.upstreams.ecmwf.url",
                upstream.baseUri().toString()));
    }

    @AfterEach
    void stop() {
        gateway.close();
        upstream.close();
        database.close();
    }

    @Test
    void replayThroughTheGatewayMatchesTheUpstreamsOwn() {
        upstream.publishMany("mars", Map.of("class", "od", "step", 1), 4);
        upstream.publish("mars", Map.of("class", "rd", "step", 1), "other");
        String body = "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\"},\"from_id\":\"2\"}";
        List<SseEvent> direct = completeStream(SseRecorder.post(upstream.uri("/api/v1/replay"), body));
        // the first replay through the gateway starts its session from from_id and journals it:
        // watch until the journal holds the history, then replay from the journal
        try (SseRecorder filling = SseRecorder.post(gateway.uri("/api/v1/watch"), body)) {
            Await.until(
                    () -> named(filling.events(), "live-notification").size()
                                    + named(filling.events(), "replay").size()
                            >= 3,
                    WAIT,
                    "the session journaled the history");
        }
        List<SseEvent> through = completeStream(SseRecorder.post(gateway.uri("/api/v1/replay"), body));

        assertThat(comparable(through)).isEqualTo(comparable(direct));
        assertThat(through.get(0).type()).isEqualTo("replay-control");
        assertThat(through.get(through.size() - 1).type()).isEqualTo("connection-closing");
        assertThat(JSON.readTree(through.get(through.size() - 1).data())
                        .get("reason")
                        .asString())
                .isEqualTo("end_of_stream");
        assertThat(named(through, "replay")).hasSize(3);
    }

    @Test
    void liveWatchOfTheLocalOriginStartsWithConnectionEstablished() {
        try (SseRecorder watch = SseRecorder.post(
                gateway.uri("/api/v1/watch"),
                "{\"event_type\":\"demo\",\"identifier\":{\"step\":{\"gte\":2}},\"upstream\":\"local\"}")) {
            Await.until(() -> watch.events().size() >= 2, WAIT, "the first frames");
            JsonNode established = JSON.readTree(watch.events().get(0).data());
            assertThat(watch.events().get(0).type()).isEqualTo("live-notification");
            assertThat(established.get("type").asString()).isEqualTo("connection_established");
            assertThat(established.get("request_id").asString()).isNotBlank();
            assertThat(watch.events().get(1).type()).isEqualTo("heartbeat");
            Await.until(
                    () -> gateway.bean(io.watchgate.gateway.local.LocalOrigin.class)
                                    .find("demo")
                                    .map(s -> s.subscribers().size())
                                    .orElse(0)
                            == 1,
                    WAIT,
                    "attached");
            publishLocal("{\"step\":1}");
            publishLocal("{\"step\":3}");
            Await.until(() -> named(watch.events(), "live-notification").size() == 2, WAIT, "the matching one");
            JsonNode event = JSON.readTree(
                    named(watch.events(), "live-notification").get(1).data());
            assertThat(event.get("id").asString()).isEqualTo("demo@2");
            assertThat(watch.events()).noneMatch(e -> e.lastEventId().length() > 0);
        }
    }

    @Test
    void badRequestsGetAvisosCodes() {
        assertCode(gateway.post("/api/v1/watch", "{"), 400, "INVALID_JSON");
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
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{},\"from_id\":\"abc\"}"),
                400,
                "INVALID_WATCH_REQUEST");
        assertCode(
                gateway.post("/api/v1/watch", "{\"event_type\":\"x\",\"identifier\":{},\"upstream\":\"nowhere\"}"),
                404,
                "UNKNOWN_UPSTREAM");
    }

    private void publishLocal(String identifier) {
        Answer answer =
                gateway.post("/api/v1/notification", "{\"event_type\":\"demo\",\"identifier\":" + identifier + "}");
        assertThat(answer.status()).isEqualTo(200);
    }

    private static void assertCode(Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("code").asString()).isEqualTo(code);
        assertThat(body.get("request_id").asString()).isEqualTo(answer.headers().get("X-Request-ID"));
    }

    private static List<SseEvent> completeStream(SseRecorder recorder) {
        try (recorder) {
            Await.until(recorder::completed, WAIT, "the stream ended");
            return recorder.events();
        }
    }

    private static List<SseEvent> named(List<SseEvent> events, String name) {
        return events.stream().filter(e -> e.type().equals(name)).toList();
    }

    /** Event names and data without timestamps, request ids and topics; heartbeats left out. */
    private static List<String> comparable(List<SseEvent> events) {
        return events.stream()
                .filter(e -> !e.type().equals("heartbeat"))
                .map(e -> {
                    JsonNode data = JSON.readTree(e.data());
                    if (data instanceof ObjectNode object && !object.has("specversion")) {
                        object.remove(List.of("timestamp", "request_id", "topic"));
                    }
                    return e.type() + " " + data;
                })
                .toList();
    }
}
