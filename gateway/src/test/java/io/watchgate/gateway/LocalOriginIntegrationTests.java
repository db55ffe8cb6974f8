package io.watchgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.testing.Await;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.gateway.testing.GatewayInstance.Answer;
import io.watchgate.gateway.testing.SseRecorder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The local origin end to end: publish over HTTP, watch over HTTP, resume from the journal. */
class LocalOriginIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path data;

    static GatewayInstance gateway;

    @BeforeAll
    static void start() {
        gateway = GatewayInstance.start(Map.of(
                "watchgate.store.url",
                "r2dbc:h2:file:///" + data.resolve("db").toAbsolutePath(),
                "watchgate.fanout.heartbeat-interval",
                "500ms"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void publishedNotificationsReachLiveSubscribersWithIncreasingIds() {
        try (SseRecorder od = SseRecorder.open(gateway.uri("/watch/local?event_type=live1&class=od"));
                SseRecorder all = SseRecorder.open(gateway.uri("/watch/local?event_type=live1"))) {
            Await.until(() -> od.status() == 200 && all.status() == 200, WAIT, "both streams are open");
            awaitSubscribers("live1", 2);
            publish("live1", "{\"class\":\"od\",\"step\":1}", "{\"n\":1}");
            publish("live1", "{\"class\":\"rd\",\"step\":2}", "\"two\"");
            publish("live1", "{\"class\":\"od\",\"step\":3}", "null");

            Await.until(() -> all.notifications().size() == 3, WAIT, "three notifications");
            Await.until(() -> od.notifications().size() == 2, WAIT, "two od notifications");
            assertThat(all.notifications()).extracting(SseEvent::lastEventId).containsExactly("1", "2", "3");
            assertThat(od.notifications()).extracting(SseEvent::lastEventId).containsExactly("1", "3");
            JsonNode first = JSON.readTree(all.notifications().get(0).data());
            assertThat(first.get("id").asString()).isEqualTo("live1@1");
            assertThat(first.get("type").asString()).isEqualTo("int.ecmwf.aviso.live1");
            assertThat(first.get("data").get("identifier").get("step").asString())
                    .isEqualTo("1");
            assertThat(first.get("data").get("payload").get("n").asInt()).isEqualTo(1);
            assertThat(JSON.readTree(all.notifications().get(1).data())
                            .get("data")
                            .get("payload")
                            .asString())
                    .isEqualTo("two");
        }
    }

    @Test
    void lastEventIdResumesFromTheJournalThenLive() {
        for (int i = 1; i <= 5; i++) {
            publish("resume1", "{\"i\":" + i + "}", "null");
        }
        try (SseRecorder resumed =
                SseRecorder.open(gateway.uri("/watch/local?event_type=resume1"), Map.of("Last-Event-ID", "2"))) {
            Await.until(() -> resumed.notifications().size() == 3, WAIT, "the three after 2");
            awaitSubscribers("resume1", 1);
            publish("resume1", "{\"i\":6}", "null");
            Await.until(() -> resumed.notifications().size() == 4, WAIT, "then the live one");
            assertThat(resumed.notifications())
                    .extracting(SseEvent::lastEventId)
                    .containsExactly("3", "4", "5", "6");
        }
        try (SseRecorder byParameter =
                        SseRecorder.open(gateway.uri("/watch/local?event_type=resume1&last_event_id=5"));
                SseRecorder fromId = SseRecorder.open(gateway.uri("/watch/local?event_type=resume1&from_id=4"))) {
            Await.until(() -> byParameter.notifications().size() == 1, WAIT, "the one after 5");
            Await.until(() -> fromId.notifications().size() == 3, WAIT, "sequences 4 to 6");
            assertThat(byParameter.notifications())
                    .extracting(SseEvent::lastEventId)
                    .containsExactly("6");
            assertThat(fromId.notifications()).extracting(SseEvent::lastEventId).containsExactly("4", "5", "6");
        }
    }

    @Test
    void fromDateStartsAtTheFirstNotificationStoredAtOrAfterIt() {
        publish("dates1", "{\"i\":1}", "null");
        publish("dates1", "{\"i\":2}", "null");
        String second = lastNotificationTime("dates1", 2);
        publish("dates1", "{\"i\":3}", "null");
        try (SseRecorder fromDate = SseRecorder.open(gateway.uri("/watch/local?event_type=dates1&from_date="
                + java.net.URLEncoder.encode(second, java.nio.charset.StandardCharsets.UTF_8)))) {
            Await.until(() -> fromDate.notifications().size() == 2, WAIT, "notifications 2 and 3");
            assertThat(fromDate.notifications())
                    .extracting(SseEvent::lastEventId)
                    .containsExactly("2", "3");
        }
    }

    private static String lastNotificationTime(String eventType, int count) {
        try (SseRecorder all = SseRecorder.open(gateway.uri("/watch/local?event_type=" + eventType + "&from_id=0"))) {
            Await.until(() -> all.notifications().size() == count, WAIT, "the journal");
            List<SseEvent> events = all.notifications();
            return JSON.readTree(events.get(events.size() - 1).data())
                    .get("time")
                    .asString();
        }
    }

    @Test
    void bracketFiltersSelectNotifications() {
        for (int step = 1; step <= 6; step++) {
            publish(
                    "filters1",
                    "{\"step\":" + step + ",\"region\":\"" + (step % 2 == 0 ? "north" : "south") + "\"}",
                    "null");
        }
        try (SseRecorder gte =
                        SseRecorder.open(gateway.uri("/watch/local?event_type=filters1&from_id=0&step%5Bgte%5D=5"));
                SseRecorder between = SseRecorder.open(
                        gateway.uri(
                                "/watch/local?event_type=filters1&from_id=0&step%5Bbetween%5D=2,4&region%5Bin%5D=north,east"))) {
            Await.until(
                    () -> gte.named("status").isEmpty() && gte.notifications().size() == 2, WAIT, "steps 5 and 6");
            Await.until(() -> between.notifications().size() == 2, WAIT, "steps 2 and 4");
            assertThat(gte.notifications()).extracting(SseEvent::lastEventId).containsExactly("5", "6");
            assertThat(between.notifications())
                    .extracting(SseEvent::lastEventId)
                    .containsExactly("2", "4");
        }
    }

    @Test
    void liveNotificationsReachOnlyTheSubscribersWhoseFiltersWantThem() {
        try (SseRecorder a1 = SseRecorder.open(gateway.uri("/watch/local?event_type=channels1&ch=a"));
                SseRecorder a2 = SseRecorder.open(gateway.uri("/watch/local?event_type=channels1&ch=a"));
                SseRecorder b = SseRecorder.open(gateway.uri("/watch/local?event_type=channels1&ch=b"))) {
            awaitSubscribers("channels1", 3);
            for (String channel : List.of("a", "b", "a", "c", "b", "a")) {
                publish("channels1", "{\"ch\":\"" + channel + "\"}", "null");
            }
            Await.until(() -> a1.notifications().size() == 3, WAIT, "channel a's three");
            Await.until(() -> a2.notifications().size() == 3, WAIT, "channel a's three, again");
            Await.until(() -> b.notifications().size() == 2, WAIT, "channel b's two");
            // the last notification (a) was delivered, so everything before it was routed already
            assertThat(a1.notifications()).extracting(SseEvent::lastEventId).containsExactly("1", "3", "6");
            assertThat(a2.notifications()).extracting(SseEvent::lastEventId).containsExactly("1", "3", "6");
            assertThat(b.notifications()).extracting(SseEvent::lastEventId).containsExactly("2", "5");
        }
    }

    @Test
    void idleStreamsGetHeartbeatsAndTheRetryHint() {
        Answer[] none = {};
        assertThat(none).isEmpty();
        try (SseRecorder idle = SseRecorder.open(gateway.uri("/watch/local?event_type=idle1"))) {
            Await.until(() -> idle.status() == 200, WAIT, "the stream is open");
            awaitSubscribers("idle1", 1);
            publish("idle1", "{}", "null");
            Await.until(() -> idle.notifications().size() == 1, WAIT, "the notification");
        }
        String raw = rawStream("/watch/local?event_type=idle1", Duration.ofMillis(1500));
        assertThat(raw).startsWith("retry: 2000\n\n").contains(": hb\n\n");
    }

    @Test
    void badRequestsAreAnsweredWithJsonErrors() {
        assertError(gateway.get("/watch/nowhere?event_type=x"), 404, "UNKNOWN_UPSTREAM");
        assertError(gateway.get("/watch/local"), 400, "INVALID_REQUEST");
        assertError(gateway.get("/watch/local?event_type=" + "x".repeat(129)), 400, "INVALID_REQUEST");
        assertError(gateway.get("/watch/local?event_type=a%20b"), 400, "INVALID_REQUEST");
        assertError(
                gateway.get("/watch/local?event_type=x&from_id=1&from_date=2025-01-01T00:00:00Z"),
                400,
                "INVALID_REQUEST");
        assertError(gateway.get("/watch/local?event_type=x&last_event_id=abc"), 400, "INVALID_CURSOR");
        assertError(gateway.get("/watch/local?event_type=x&step%5Bnear%5D=1"), 400, "INVALID_FILTER");
        assertError(gateway.get("/watch/local?event_type=x&from_date=yesterday"), 400, "INVALID_REQUEST");
        assertError(gateway.post("/api/v1/notification", "{not json"), 400, "INVALID_JSON");
        assertError(
                gateway.post("/api/v1/notification", "{\"event_type\":\"x\",\"identifier\":{},\"extra\":1}"),
                400,
                "UNKNOWN_FIELD");
        assertError(gateway.post("/api/v1/notification", "{\"identifier\":{}}"), 400, "INVALID_REQUEST_SHAPE");
        assertError(
                gateway.post("/api/v1/notification", "{\"event_type\":\"x\",\"identifier\":{\"step\":{\"gte\":1}}}"),
                400,
                "INVALID_NOTIFICATION_REQUEST");
        assertError(gateway.get("/no/such/path"), 404, "NOT_FOUND");
    }

    @Test
    void notifyAnswersLikeAviso() throws Exception {
        Answer answer =
                gateway.post("/api/v1/notification", "{\"event_type\":\"answer1\",\"identifier\":{\"a\":true}}");
        assertThat(answer.status()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("status").asString()).isEqualTo("success");
        assertThat(body.get("request_id").asString()).isEqualTo(answer.headers().get("X-Request-ID"));
        assertThat(body.get("processed_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    }

    private static void assertError(Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("code").asString()).isEqualTo(code);
        assertThat(body.get("message").asString()).isNotBlank();
        assertThat(body.get("request_id").asString())
                .isNotBlank()
                .isEqualTo(answer.headers().get("X-Request-ID"));
    }

    private static void publish(String eventType, String identifier, String payload) {
        Answer answer = gateway.post(
                "/api/v1/notification",
                "{\"event_type\":\"" + eventType + "\",\"identifier\":" + identifier + ",\"payload\":" + payload + "}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    private static void awaitSubscribers(String eventType, int count) {
        Await.until(
                () -> gateway.bean(io.watchgate.gateway.local.LocalOrigin.class)
                                .find(eventType)
                                .map(session -> session.subscribers().size())
                                .orElse(0)
                        >= count,
                WAIT,
                count + " subscribers of " + eventType);
    }

    private static String rawStream(String path, Duration listen) {
        return reactor.netty.http.client.HttpClient.create()
                .get()
                .uri(gateway.uri(path))
                .responseContent()
                .asString()
                .take(listen)
                .collectList()
                .map(parts -> String.join("", parts))
                .block(listen.plusSeconds(10));
    }

    static List<String> ids(List<SseEvent> events) {
        return events.stream().map(SseEvent::lastEventId).toList();
    }
}
