package io.watchgate.gateway;

import static io.watchgate.gateway.FanOutIntegrationTests.gatewayIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import io.watchgate.core.testing.SseTestServer;
import io.watchgate.gateway.local.LocalOrigin;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.gateway.testing.GatewayInstance.Answer;
import io.watchgate.gateway.testing.SseRecorder;
import io.watchgate.store.WatchgateStore;
import io.watchgate.store.journal.JournalBounds;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.TestDatabase;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** Pinned sessions, shutdown, SSE upstreams, retention resets, configuration errors and CORS. */
class GatewayLifecycleIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestDatabase database;

    @BeforeEach
    void createDatabase() {
        database = TestDatabase.create(GatewayLifecycleIntegrationTests.class, Dialect.H2);
    }

    @AfterEach
    void dropDatabase() {
        database.close();
    }

    private GatewayInstance gateway(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(properties);
        all.put("watchgate.store.url", database.url());
        return GatewayInstance.start(all);
    }

    @Test
    void pinnedSessionsRunWithoutSubscribersAndResumeFromTheJournalAfterARestart() {
        try (AvisoTestServer upstream = AvisoTestServer.start()) {
            Map<String, String> properties = Map.of(
                    "watchgate.upstreams.ecmwf.protocol", "aviso",
                    "watchgate.upstreams.ecmwf.url", upstream.baseUri().toString(),
                    "watchgate.upstreams.ecmwf.pinned[0]", "event_type=mars&class=od");
            String key;
            try (GatewayInstance gateway = gateway(properties)) {
                upstream.awaitOpenStreams(1, WAIT);
                assertThat(upstream.watchRequests().get(0).fromId()).isNull();
                upstream.publishMany("mars", Map.of("class", "od"), 3);
                key = FanOutIntegrationTests.only(gateway).key();
                Await.until(() -> bounds(gateway, key).newest() == 3, WAIT, "three journaled without subscribers");
            }
            List<Long> missed = upstream.publishMany("mars", Map.of("class", "od"), 2);
            try (GatewayInstance gateway = gateway(properties);
                    SseRecorder subscriber = SseRecorder.open(
                            gateway.uri("/watch/ecmwf?event_type=mars&class=od"), Map.of("Last-Event-ID", "3"))) {
                upstream.awaitWatchRequests(2, WAIT);
                assertThat(upstream.watchRequests().get(1).fromId()).isEqualTo(Long.toString(missed.get(0)));
                Await.until(() -> subscriber.notifications().size() == 2, WAIT, "the two published while down");
                assertThat(gatewayIds(subscriber.notifications())).containsExactly(4L, 5L);
                assertThat(FanOutIntegrationTests.cloudEventIds(subscriber.notifications()))
                        .containsExactly("mars@" + missed.get(0), "mars@" + missed.get(1));
            }
        }
    }

    @Test
    void theLastSubscriberLeavingStopsTheSessionAfterTheGrace() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = gateway(Map.of(
                        "watchgate.upstreams.ecmwf.protocol", "aviso",
                        "watchgate.upstreams.ecmwf.url", upstream.baseUri().toString(),
                        "watchgate.fanout.session-grace", "300ms"))) {
            var hub = gateway.bean(io.watchgate.gateway.hub.SessionHub.class);
            try (SseRecorder first = SseRecorder.open(gateway.uri("/watch/ecmwf?event_type=mars&class=od"))) {
                upstream.awaitOpenStreams(1, WAIT);
            }
            // a subscriber back within the grace keeps the same upstream connection
            try (SseRecorder again = SseRecorder.open(gateway.uri("/watch/ecmwf?event_type=mars&class=od"))) {
                Await.until(() -> again.status() == 200, WAIT, "the second subscriber is connected");
                upstream.publish("mars", Map.of("class", "od"), null);
                Await.until(() -> again.notifications().size() == 1, WAIT, "a notification");
                assertThat(upstream.watchRequests()).hasSize(1);
            }
            Await.until(() -> hub.sessions().isEmpty(), WAIT, "the session stopped after the grace");
            Await.until(() -> upstream.openStreams() == 0, WAIT, "the upstream connection closed");
        }
    }

    @Test
    void shutdownTellsSubscribersClosing() {
        GatewayInstance gateway = gateway(Map.of());
        try (SseRecorder subscriber = SseRecorder.open(gateway.uri("/watch/local?event_type=shutdown"))) {
            Await.until(
                    () -> gateway.bean(LocalOrigin.class)
                                    .find("shutdown")
                                    .map(s -> s.subscribers().size())
                                    .orElse(0)
                            == 1,
                    WAIT,
                    "the subscriber attached");
            gateway.close();
            Await.until(subscriber::completed, WAIT, "the stream ended");
            assertThat(subscriber.named("closing")).hasSize(1);
            assertThat(JSON.readTree(subscriber.named("closing").get(0).data())
                            .get("reason")
                            .asString())
                    .isEqualTo("server_shutdown");
        }
    }

    @Test
    void sseUpstreamsAreWatchedWithTheirTemplateVariables() {
        try (SseTestServer upstream = SseTestServer.start();
                GatewayInstance gateway = gateway(Map.of(
                        "watchgate.upstreams.feed.protocol",
                        "sse",
                        "watchgate.upstreams.feed.url",
                        upstream.baseUri() + "/events/{channel}"));
                SseRecorder subscriber = SseRecorder.open(gateway.uri("/watch/feed?channel=ch1"))) {
            Await.until(
                    () -> gateway.bean(io.watchgate.gateway.hub.SessionHub.class).sessions().stream()
                                    .mapToInt(session -> session.subscribers().size())
                                    .sum()
                            == 1,
                    WAIT,
                    "attached");
            Await.until(() -> !upstream.requests().isEmpty(), WAIT, "the upstream was asked");
            // the first request may still be connecting: publish once the stream is open
            Await.until(
                    () -> {
                        upstream.publish("ch1", "hello\nworld");
                        return !subscriber.notifications().isEmpty();
                    },
                    WAIT,
                    "a notification");
            SseEvent first = subscriber.notifications().get(0);
            assertThat(first.data()).isEqualTo("hello\nworld");
            assertThat(first.lastEventId()).isEqualTo("1");
            assertThat(upstream.requests().get(0).path()).isEqualTo("/events/ch1");
        }
    }

    @Test
    void aCursorOlderThanRetentionGetsResetThenTheOldestKept() {
        try (GatewayInstance gateway =
                gateway(Map.of("watchgate.journal.max-entries", "3", "watchgate.journal.purge-interval", "100ms"))) {
            for (int i = 1; i <= 10; i++) {
                Answer answer = gateway.post(
                        "/api/v1/notification", "{\"event_type\":\"retained\",\"identifier\":{\"i\":" + i + "}}");
                assertThat(answer.status()).isEqualTo(200);
            }
            String key = LocalOrigin.sessionKey("retained");
            Await.until(() -> bounds(gateway, key).oldest() == 8, WAIT, "the journal purged to three entries");
            try (SseRecorder old =
                    SseRecorder.open(gateway.uri("/watch/local?event_type=retained"), Map.of("Last-Event-ID", "2"))) {
                Await.until(() -> old.notifications().size() == 3, WAIT, "the three kept");
                assertThat(old.named("reset")).hasSize(1);
                assertThat(old.events().get(0).type()).isEqualTo("reset");
                assertThat(JSON.readTree(old.named("reset").get(0).data())
                                .get("requested")
                                .asString())
                        .isEqualTo("2");
                assertThat(gatewayIds(old.notifications())).containsExactly(8L, 9L, 10L);
            }
        }
    }

    @Test
    void badConfigurationStopsTheStartWithTheKeysNamed() {
        assertThatThrownBy(() -> gateway(Map.of(
                        "watchgate.fanout.subscriber-queue", "0",
                        "watchgate.upstreams.broken.protocol", "aviso")))
                .rootCause()
                .hasMessageContaining("watchgate.fanout.subscriber-queue must be at least 1")
                .hasMessageContaining("watchgate.upstreams.broken.url is required");
        assertThatThrownBy(() -> gateway(
                        Map.of("watchgate.fanout.subscriber-queue", "100", "watchgate.fanout.journal-batch", "200")))
                .rootCause()
                .hasMessageContaining(
                        "watchgate.fanout.journal-batch must not exceed watchgate.fanout.subscriber-queue (100), was 200");
    }

    @Test
    void browsersOfAllowedOriginsMayReadStreams() {
        try (GatewayInstance gateway = gateway(Map.of("watchgate.cors.allowed-origins", "https://app.example"))) {
            var allowed = reactor.netty.http.client.HttpClient.create()
                    .headers(h -> h.set("Origin", "https://app.example"))
                    .get()
                    .uri(gateway.uri("/watch/nowhere?event_type=x"))
                    .response()
                    .block(WAIT);
            var refused = reactor.netty.http.client.HttpClient.create()
                    .headers(h -> h.set("Origin", "https://evil.example"))
                    .get()
                    .uri(gateway.uri("/watch/nowhere?event_type=x"))
                    .response()
                    .block(WAIT);
            assertThat(allowed.responseHeaders().get("Access-Control-Allow-Origin"))
                    .isEqualTo("https://app.example");
            assertThat(refused.status().code()).isEqualTo(403);
        }
    }

    private static JournalBounds bounds(GatewayInstance gateway, String key) {
        return gateway.bean(WatchgateStore.class).journal(key).bounds().block(WAIT);
    }
}
