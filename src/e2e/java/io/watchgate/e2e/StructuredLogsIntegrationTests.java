package io.watchgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.watchgate.core.testing.Await;
import io.watchgate.core.testing.AvisoTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged gateway started with {@code --logging.structured.format.console=ecs} writes one JSON
 * object per line; session state changes carry the session key as a field, admin requests their
 * request id; notifications are not logged one by one.
 */
class StructuredLogsIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String TOKEN = "structured-logs-admin-token-42";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final Path artifacts = Path.of(System.getProperty("watchgate.e2e.artifacts", "target/e2e"));
    private final Path jar = Path.of(System.getProperty("watchgate.e2e.jar", "target/watchgate-gateway.jar"));

    @TempDir
    Path temp;

    @Test
    void ecsLogsAreJsonLinesWithSessionAndRequestIdFields() throws Exception {
        assumeFalse(Boolean.getBoolean("watchgate.e2e.skip"), "-Dwatchgate.e2e.skip=true: skipped");
        Path log = artifacts.resolve("structured-logs.log");
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayProcess gateway = GatewayProcess.start(
                        jar,
                        temp.resolve("gateway"),
                        log,
                        0,
                        Map.of(
                                "logging.structured.format.console", "ecs",
                                "watchgate.store.url", "r2dbc:h2:file:///" + temp.resolve("store").toAbsolutePath(),
                                "watchgate.admin.token", TOKEN,
                                "watchgate.upstreams.ecmwf.protocol", "aviso",
                                "watchgate.upstreams.ecmwf.url", upstream.baseUri().toString(),
                                "watchgate.upstreams.ecmwf.pinned[0]", "event_type=mars&class=od"),
                        WAIT)) {
            upstream.awaitOpenStreams(1, WAIT);
            Await.until(() -> lineWith(log, "event=session.connected") != null, WAIT, "the connected transition");
            JsonNode connected = lineWith(log, "event=session.connected");
            String key = connected.get("session").asString();
            assertThat(key).hasSize(32);
            assertThat(connected.get("upstream").asString()).isEqualTo("ecmwf");
            assertThat(connected.get("state").asString()).isEqualTo("LIVE");
            assertThat(connected.get("log").get("level").asString()).isEqualTo("INFO");

            int before = lines(log).size();
            upstream.publishMany("mars", Map.of("class", "od"), 100);
            HttpResponse<String> reconnect = send(gateway, "POST", "/admin/sessions/" + key + "/reconnect", TOKEN);
            assertThat(reconnect.statusCode()).isEqualTo(202);
            Await.until(() -> lineWith(log, "event=admin.reconnect") != null, WAIT, "the admin action logged");
            JsonNode audit = lineWith(log, "event=admin.reconnect");
            assertThat(audit.get("request_id").asString())
                    .isEqualTo(reconnect.headers().firstValue("X-Request-ID").orElseThrow());
            assertThat(audit.get("session").asString()).isEqualTo(key);
            Await.until(() -> lineWith(log, "event=session.reconnect_requested") != null, WAIT, "the transition");
            // 100 notifications and a reconnect: a handful of lines, not one per notification
            assertThat(lines(log).size() - before).isLessThan(20);

            HttpResponse<String> refused = send(gateway, "GET", "/admin/sessions", "wrong-token");
            assertThat(refused.statusCode()).isEqualTo(401);
            Await.until(() -> lineWith(log, "event=admin.unauthorized") != null, WAIT, "the refusal logged");
            assertThat(lineWith(log, "event=admin.unauthorized").get("request_id").asString())
                    .isEqualTo(refused.headers().firstValue("X-Request-ID").orElseThrow());
            assertThat(Files.readString(log)).doesNotContain("wrong-token").doesNotContain(TOKEN);
        }
        for (String line : Files.readAllLines(log)) {
            if (!line.isBlank() && line.startsWith("{")) {
                assertThat(JSON.readTree(line).has("@timestamp")).as(line).isTrue();
            }
        }
    }

    private static HttpResponse<String> send(GatewayProcess gateway, String method, String path, String token)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> lines(Path log) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.startsWith("{"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode lineWith(Path log, String text) {
        for (String line : lines(log)) {
            if (line.contains(text)) {
                return JSON.readTree(line);
            }
        }
        return null;
    }
}
