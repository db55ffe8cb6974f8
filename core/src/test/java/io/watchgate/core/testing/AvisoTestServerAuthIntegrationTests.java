package io.watchgate.core.testing;

import static io.watchgate.core.testing.AvisoTestServer.NOTIFICATION_PATH;
import static io.watchgate.core.testing.AvisoTestServer.REPLAY_PATH;
import static io.watchgate.core.testing.AvisoTestServer.WATCH_PATH;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The client-credentials token endpoint and bearer checks of {@link AvisoTestServer}. */
class AvisoTestServerAuthIntegrationTests {

    static final String WATCH = "{\"event_type\":\"mars\",\"identifier\":{}}";
    static final String FORM = "application/x-www-form-urlencoded";

    private final MutableClock clock = MutableClock.at("2026-03-04T10:00:00Z");
    private AvisoTestServer server;

    @BeforeEach
    void start() {
        server = AvisoTestServer.start().clock(clock).heartbeatInterval(Duration.ofMillis(50));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(UTF_8));
    }

    /** Requests a token with HTTP Basic client authentication and returns it. */
    private String token() {
        try (StreamRecorder response = StreamRecorder.post(
                server.tokenUri(),
                "grant_type=client_credentials",
                Map.of(
                        "Authorization",
                        basic(AvisoTestServer.DEFAULT_CLIENT_ID, AvisoTestServer.DEFAULT_CLIENT_SECRET),
                        "Content-Type",
                        FORM))) {
            assertThat(response.awaitStatus()).isEqualTo(200);
            return TestJson.MAPPER
                    .readTree(response.awaitEnd().text())
                    .get("access_token")
                    .stringValue();
        }
    }

    private StreamRecorder post(String path, String body, String authorization) {
        return StreamRecorder.post(server.uri(path), body, Map.of("Authorization", authorization));
    }

    private static void assertUnauthorized(StreamRecorder response, String message) {
        assertThat(response.awaitStatus()).isEqualTo(401);
        assertThat(response.headers().getAll("WWW-Authenticate")).containsExactly("Bearer");
        assertThat(response.awaitEnd().text())
                .isEqualTo("{\"code\":\"UNAUTHORIZED\",\"error\":\"unauthorized\",\"message\":\"" + message
                        + "\",\"request_id\":\"" + response.headers().get("X-Request-ID") + "\"}");
    }

    @Test
    void tokenEndpointIssuesBearerTokensWithBasicClientAuthentication() {
        server.requireBearer(Duration.ofMinutes(5));
        try (StreamRecorder response = StreamRecorder.post(
                server.tokenUri(),
                "grant_type=client_credentials&scope=read",
                Map.of("Authorization", basic("watchgate", "watchgate-secret"), "Content-Type", FORM))) {
            assertThat(response.awaitStatus()).isEqualTo(200);
            assertThat(response.headers().get("Content-Type")).isEqualTo("application/json");
            assertThat(response.headers().get("Cache-Control")).isEqualTo("no-store");
            JsonNode json = TestJson.MAPPER.readTree(response.awaitEnd().text());
            assertThat(json.propertyNames()).containsExactly("access_token", "expires_in", "token_type");
            assertThat(json.get("access_token").stringValue()).matches("[0-9a-f]{32}");
            assertThat(json.get("expires_in").asLong()).isEqualTo(300);
            assertThat(json.get("token_type").stringValue()).isEqualTo("Bearer");
        }
        assertThat(server.tokenRequests()).isEqualTo(1);
        assertThat(server.requests().get(0).path()).isEqualTo(AvisoTestServer.TOKEN_PATH);
    }

    @Test
    void tokenEndpointAcceptsFormCredentialsAndConfiguredClients() {
        server.clientCredentials("svc", "p@ss word");
        try (StreamRecorder response = StreamRecorder.post(
                server.tokenUri(),
                "grant_type=client_credentials&client_id=svc&client_secret=p%40ss+word",
                Map.of("Content-Type", FORM))) {
            assertThat(response.awaitStatus()).isEqualTo(200);
        }
        try (StreamRecorder response = StreamRecorder.post(
                server.tokenUri(),
                "grant_type=client_credentials",
                Map.of("Authorization", basic("svc", "p%40ss+word"), "Content-Type", FORM))) {
            assertThat(response.awaitStatus())
                    .as("Basic credentials are form-url-decoded")
                    .isEqualTo(200);
        }
        assertThat(server.tokenRequests()).isEqualTo(2);
    }

    @Test
    void tokenEndpointRejectsBadClientsAndGrants() {
        try (StreamRecorder response = StreamRecorder.post(
                server.tokenUri(),
                "grant_type=client_credentials",
                Map.of("Authorization", basic("watchgate", "wrong"), "Content-Type", FORM))) {
            assertThat(response.awaitStatus()).isEqualTo(401);
            assertThat(response.headers().get("WWW-Authenticate")).isEqualTo("Basic realm=\"aviso-test\"");
            assertThat(response.awaitEnd().text())
                    .isEqualTo("{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}");
        }
        try (StreamRecorder response = StreamRecorder.post(
                server.tokenUri(),
                "grant_type=password&username=a&password=b",
                Map.of("Authorization", basic("watchgate", "watchgate-secret")))) {
            assertThat(response.awaitStatus()).isEqualTo(400);
            assertThat(response.awaitEnd().text()).startsWith("{\"error\":\"unsupported_grant_type\"");
        }
        try (StreamRecorder response = StreamRecorder.post(server.tokenUri(), "")) {
            assertThat(response.awaitStatus()).isEqualTo(400);
            assertThat(response.awaitEnd().text()).startsWith("{\"error\":\"invalid_request\"");
        }
        server.failTokenRequests(1, 503);
        try (StreamRecorder response = StreamRecorder.post(
                server.tokenUri(),
                "grant_type=client_credentials",
                Map.of("Authorization", basic("watchgate", "watchgate-secret")))) {
            assertThat(response.awaitStatus()).isEqualTo(503);
            assertThat(response.awaitEnd().text()).startsWith("{\"error\":\"temporarily_unavailable\"");
        }
        assertThat(token()).hasSize(32);
        assertThat(server.tokenRequests()).isEqualTo(5);
    }

    @Test
    void requireBearerRejectsMissingAndUnknownTokensOnEveryApiEndpoint() {
        server.requireBearer(Duration.ofMinutes(5));
        for (String path : new String[] {WATCH_PATH, REPLAY_PATH, NOTIFICATION_PATH}) {
            try (StreamRecorder response = StreamRecorder.post(server.uri(path), WATCH)) {
                assertUnauthorized(response, "Authentication is required for this stream");
            }
            try (StreamRecorder response = post(path, WATCH, "Bearer not-issued")) {
                assertUnauthorized(response, "Invalid or expired token");
            }
            try (StreamRecorder response = post(path, WATCH, basic("watchgate", "watchgate-secret"))) {
                assertUnauthorized(response, "Authentication is required for this stream");
            }
        }
        assertThat(server.watchRequests()).hasSize(6).allMatch(r -> r.status() == 401);
        assertThat(server.lastSequence("mars")).isZero();
        assertThat(server.connectionCount()).isZero();
    }

    @Test
    void anIssuedTokenOpensStreamsAndIsRecorded() {
        server.requireBearer(Duration.ofMinutes(5));
        String token = token();
        try (StreamRecorder watch = post(WATCH_PATH, WATCH, "Bearer " + token)) {
            assertThat(watch.awaitStatus()).isEqualTo(200);
            assertThat(watch.awaitFrames(1).get(0)).contains("connection_established");
        }
        try (StreamRecorder notify = post(
                NOTIFICATION_PATH, "{\"event_type\":\"mars\",\"identifier\":{},\"payload\":1}", "bearer " + token)) {
            assertThat(notify.awaitStatus()).isEqualTo(200);
        }
        assertThat(server.watchRequests().get(0).authorization()).isEqualTo("Bearer " + token);
        assertThat(server.lastSequence("mars")).isEqualTo(1);
    }

    @Test
    void tokensExpireOnTheServerClockButOpenStreamsKeepRunning() {
        server.requireBearer(Duration.ofMinutes(5));
        String token = token();
        try (StreamRecorder open = post(WATCH_PATH, WATCH, "Bearer " + token)) {
            open.awaitFrames(1);
            clock.advance(Duration.ofMinutes(5).minusNanos(1));
            try (StreamRecorder stillValid = post(WATCH_PATH, WATCH, "Bearer " + token)) {
                assertThat(stillValid.awaitStatus()).isEqualTo(200);
            }
            clock.advance(Duration.ofNanos(1));
            try (StreamRecorder expired = post(WATCH_PATH, WATCH, "Bearer " + token)) {
                assertUnauthorized(expired, "Invalid or expired token");
            }
            server.publish("mars", Map.of(), "after expiry");
            assertThat(open.awaitFrames(f -> f.stream().anyMatch(x -> x.contains("\"id\":\"mars@1\"")), "delivery"))
                    .isNotEmpty();
            assertThat(open.ended()).isFalse();
        }
        String fresh = token();
        assertThat(fresh).isNotEqualTo(token);
        try (StreamRecorder renewed =
                post(REPLAY_PATH, WATCH.replace("}}", "},\"from_id\":\"1\"}"), "Bearer " + fresh)) {
            assertThat(renewed.awaitStatus()).isEqualTo(200);
        }
        assertThat(server.tokenRequests()).isEqualTo(2);
    }

    @Test
    void expireAllTokensInvalidatesIssuedTokensButNotStaticOnes() {
        server.requireBearer(Duration.ofHours(1)).acceptStaticToken("static-secret");
        String token = token();
        server.expireAllTokens();
        try (StreamRecorder expired = post(WATCH_PATH, WATCH, "Bearer " + token)) {
            assertUnauthorized(expired, "Invalid or expired token");
        }
        try (StreamRecorder fixed = post(WATCH_PATH, WATCH, "Bearer static-secret")) {
            assertThat(fixed.awaitStatus()).isEqualTo(200);
        }
    }

    @Test
    void aStaticTokenAloneTurnsAuthOnAndDisableAuthTurnsItOff() {
        server.acceptStaticToken("right");
        try (StreamRecorder wrong = post(WATCH_PATH, WATCH, "Bearer wrong")) {
            assertUnauthorized(wrong, "Invalid or expired token");
        }
        try (StreamRecorder right = post(WATCH_PATH, WATCH, "Bearer right")) {
            assertThat(right.awaitStatus()).isEqualTo(200);
        }
        server.disableAuth();
        try (StreamRecorder open = StreamRecorder.post(server.uri(WATCH_PATH), WATCH)) {
            assertThat(open.awaitStatus()).isEqualTo(200);
        }
        assertThat(server.watchRequests()).extracting(RecordedRequest::status).containsExactly(401, 200, 200);
    }

    @Test
    void authIsCheckedBeforeBodyValidation() {
        server.requireBearer(Duration.ofMinutes(5));
        try (StreamRecorder response = StreamRecorder.post(server.uri(WATCH_PATH), "not json")) {
            assertUnauthorized(response, "Authentication is required for this stream");
        }
        try (StreamRecorder response = post(WATCH_PATH, "not json", "Bearer " + token())) {
            assertThat(response.awaitStatus()).isEqualTo(400);
        }
    }
}
