package io.watchgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.testing.Await;
import io.watchgate.gateway.testing.GatewayInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A real browser: headless Chromium opens {@code new EventSource('/watch/local?event_type=demo')},
 * receives published notifications, and after a gateway restart reconnects by itself with {@code
 * Last-Event-ID} and receives the ones it missed exactly once.
 */
class BrowserResumeIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String PAGE_SCRIPT = """
            window.received = []; window.opens = 0; window.errors = 0; window.closings = 0;
            const events = new EventSource('/watch/local?event_type=demo');
            events.onopen = () => window.opens++;
            events.onerror = () => window.errors++;
            events.onmessage = (e) => window.received.push(e.lastEventId + ' ' + JSON.parse(e.data).id);
            events.addEventListener('closing', () => window.closings++);
            'started'
            """;

    @TempDir
    Path temp;

    @Test
    void anEventSourceResumesAfterAGatewayRestartWithoutLossOrDuplicates() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("watchgate.e2e.skip"), "watchgate.e2e.skip is set");
        Map<String, String> properties = Map.of(
                "watchgate.store.url", "r2dbc:h2:file:///" + temp.resolve("store").toAbsolutePath(),
                "watchgate.fanout.heartbeat-interval", "1s");
        Files.createDirectories(temp.resolve("profile"));
        try (Chromium chromium = Chromium.start(temp.resolve("profile"));
                DevTools devTools = new DevTools(chromium.endpoint())) {
            GatewayInstance gateway = GatewayInstance.start(properties);
            int port = gateway.port();
            try {
                String target = devTools.send(
                                null, "Target.createTarget", Map.of("url", gateway.uri("/e2e-page").toString()))
                        .get("targetId")
                        .asString();
                String page = devTools.send(
                                null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                        .get("sessionId")
                        .asString();
                String origin = "http://127.0.0.1:" + port;
                Await.until(
                        () -> devTools.evaluate(page, "location.origin + ' ' + document.readyState")
                                .asString()
                                .equals(origin + " complete"),
                        WAIT,
                        "the page of the gateway's origin loaded");
                devTools.evaluate(page, PAGE_SCRIPT);
                Await.until(() -> state(devTools, page).get("opens").asInt() == 1, WAIT, "the stream opened");
                for (int i = 1; i <= 3; i++) {
                    publish(gateway, i);
                }
                Await.until(() -> received(devTools, page).size() == 3, WAIT, "three notifications");

                gateway.close();
                Await.until(() -> state(devTools, page).get("errors").asInt() >= 1, WAIT, "the browser saw the drop");
                gateway = GatewayInstance.start(withPort(properties, port));
                publish(gateway, 4); // published before the browser is back: replayed from the journal
                publish(gateway, 5);
                Await.until(() -> received(devTools, page).size() == 5, WAIT, "the two missed ones");
                publish(gateway, 6); // live again
                Await.until(() -> received(devTools, page).size() == 6, WAIT, "the live one");

                assertThat(received(devTools, page))
                        .containsExactly("1 demo@1", "2 demo@2", "3 demo@3", "4 demo@4", "5 demo@5", "6 demo@6");
                JsonNode state = state(devTools, page);
                assertThat(state.get("opens").asInt()).as("reconnected by itself").isEqualTo(2);
                assertThat(state.get("closings").asInt()).as("told of the shutdown").isEqualTo(1);
            } finally {
                gateway.close();
            }
        }
    }

    private static Map<String, String> withPort(Map<String, String> properties, int port) {
        Map<String, String> copy = new java.util.HashMap<>(properties);
        copy.put("server.port", Integer.toString(port));
        return copy;
    }

    private static void publish(GatewayInstance gateway, int n) {
        var answer = gateway.post(
                "/api/v1/notification",
                "{\"event_type\":\"demo\",\"identifier\":{\"n\":\"" + n + "\"},\"payload\":{\"i\":" + n + "}}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    private static JsonNode state(DevTools devTools, String page) {
        return devTools.evaluate(
                page, "({opens: window.opens, errors: window.errors, closings: window.closings})");
    }

    private static List<String> received(DevTools devTools, String page) {
        List<String> received = new ArrayList<>();
        devTools.evaluate(page, "window.received").forEach(value -> received.add(value.asString()));
        return received;
    }
}
