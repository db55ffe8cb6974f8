package io.watchgate.core.testing;

import static io.watchgate.core.testing.AvisoTestServer.NOTIFICATION_PATH;
import static io.watchgate.core.testing.AvisoTestServer.REPLAY_PATH;
import static io.watchgate.core.testing.AvisoTestServer.WATCH_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** Request validation of {@link AvisoTestServer}: aviso's 400 codes, error body shape and request ids. */
class AvisoTestServerValidationIntegrationTests {

    private AvisoTestServer server;

    @BeforeEach
    void start() {
        server = AvisoTestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Posts and returns the 400 body after checking status, content type and request id. */
    private JsonNode badRequest(String path, String body) {
        try (StreamRecorder response = StreamRecorder.post(server.uri(path), body)) {
            assertThat(response.awaitStatus()).as("status for %s", body).isEqualTo(400);
            assertThat(response.headers().get("Content-Type")).isEqualTo("application/json");
            JsonNode json = TestJson.MAPPER.readTree(response.awaitEnd().text());
            assertThat(json.propertyNames()).containsExactly("code", "details", "error", "message", "request_id");
            assertThat(json.get("request_id").stringValue())
                    .isEqualTo(response.headers().get("X-Request-ID"));
            return json;
        }
    }

    static Stream<Arguments> parseErrors() {
        return Stream.of(
                Arguments.of("not json", "INVALID_JSON"),
                Arguments.of("", "INVALID_JSON"),
                Arguments.of("{\"event_type\":\"mars\"", "INVALID_JSON"),
                Arguments.of("{\"event_type\":\"mars\",\"identifier\":{}} {}", "INVALID_JSON"),
                Arguments.of("{\"event_type\":\"mars\",\"identifier\":{},\"extra\":1}", "UNKNOWN_FIELD"),
                Arguments.of("{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":5}", "INVALID_REQUEST_SHAPE"),
                Arguments.of("{\"event_type\":\"mars\",\"identifier\":{},\"from_date\":17}", "INVALID_REQUEST_SHAPE"),
                Arguments.of("{\"identifier\":{}}", "INVALID_REQUEST_SHAPE"),
                Arguments.of("{\"event_type\":\"mars\"}", "INVALID_REQUEST_SHAPE"),
                Arguments.of("{\"event_type\":7,\"identifier\":{}}", "INVALID_REQUEST_SHAPE"),
                Arguments.of("{\"event_type\":\"mars\",\"identifier\":[]}", "INVALID_REQUEST_SHAPE"),
                Arguments.of("{\"event_type\":\"mars\",\"identifier\":{\"class\":null}}", "INVALID_REQUEST_SHAPE"),
                Arguments.of("{\"event_type\":\"mars\",\"identifier\":{\"class\":[\"od\"]}}", "INVALID_REQUEST_SHAPE"),
                Arguments.of("[1,2]", "INVALID_REQUEST_SHAPE"));
    }

    @ParameterizedTest
    @MethodSource("parseErrors")
    void parseErrorsHaveTheirCodesOnWatchReplayAndNotify(String body, String code) {
        JsonNode watch = badRequest(WATCH_PATH, body);
        assertThat(watch.get("code").stringValue()).isEqualTo(code);
        assertThat(watch.get("error").stringValue()).isEqualTo("Invalid Watch Request");
        JsonNode replay = badRequest(REPLAY_PATH, body);
        assertThat(replay.get("code").stringValue()).isEqualTo(code);
        assertThat(replay.get("error").stringValue()).isEqualTo("Invalid Replay Request");
        JsonNode notify = badRequest(NOTIFICATION_PATH, body);
        assertThat(notify.get("code").stringValue()).isEqualTo(code);
        assertThat(notify.get("error").stringValue()).isEqualTo("Invalid Notification Request");
        assertThat(server.connectionCount()).isZero();
        assertThat(server.lastSequence("mars")).isZero();
    }

    @Test
    void errorBodyIsExactForANonNumericFromId() {
        try (StreamRecorder response = StreamRecorder.post(
                server.uri(WATCH_PATH), "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"abc\"}")) {
            assertThat(response.awaitStatus()).isEqualTo(400);
            String rid = response.headers().get("X-Request-ID");
            assertThat(response.awaitEnd().text())
                    .isEqualTo("{\"code\":\"INVALID_WATCH_REQUEST\","
                            + "\"details\":\"from_id must be a valid positive integer, got 'abc'\","
                            + "\"error\":\"Invalid Watch Request\","
                            + "\"message\":\"from_id must be a valid positive integer, got 'abc'\","
                            + "\"request_id\":\"" + rid + "\"}");
        }
        RecordedRequest recorded = server.watchRequests().get(0);
        assertThat(recorded.status()).isEqualTo(400);
        assertThat(recorded.fromId()).isEqualTo("abc");
    }

    @Test
    void invalidJsonRecordsTheRawBodyAndTheMatchingRequestId() {
        JsonNode json = badRequest(WATCH_PATH, "{oops");
        assertThat(json.get("message").stringValue()).isEqualTo("Invalid JSON in request body");
        RecordedRequest recorded = server.watchRequests().get(0);
        assertThat(recorded.body()).isEqualTo("{oops");
        assertThat(recorded.json()).isEmpty();
        assertThat(recorded.requestId()).isEqualTo(json.get("request_id").stringValue());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"from_id\":\"\"",
                "\"from_id\":\"  \"",
                "\"from_id\":\"abc\"",
                "\"from_id\":\"-1\"",
                "\"from_id\":\"1.5\"",
                "\"from_id\":\"18446744073709551616\"",
                "\"from_date\":\"\"",
                "\"from_date\":\"2026-03-04\"",
                "\"from_date\":\"-5\"",
                "\"from_date\":\"yesterday\"",
                "\"from_date\":\"2026-13-04T10:00:00Z\"",
                "\"from_id\":\"1\",\"from_date\":\"2026-03-04T10:00:00Z\"",
                "\"from_date\":\"2026-03-04T10:00:00Z\",\"from_id\":\"0\""
            })
    void invalidStartsAreValidationErrorsOnWatchAndReplay(String start) {
        String body = "{\"event_type\":\"mars\",\"identifier\":{}," + start + "}";
        assertThat(badRequest(WATCH_PATH, body).get("code").stringValue()).isEqualTo("INVALID_WATCH_REQUEST");
        assertThat(badRequest(REPLAY_PATH, body).get("code").stringValue()).isEqualTo("INVALID_REPLAY_REQUEST");
    }

    @Test
    void bothStartsHaveAClearMessage() {
        JsonNode json = badRequest(
                WATCH_PATH,
                "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"1\",\"from_date\":\"2026-03-04T10:00:00Z\"}");
        assertThat(json.get("message").stringValue())
                .isEqualTo("Cannot specify both from_id and from_date; use one of them");
    }

    @Test
    void replayWithoutAStartIsRejected() {
        for (String body : new String[] {
            "{\"event_type\":\"mars\",\"identifier\":{}}",
            "{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":null,\"from_date\":null}"
        }) {
            JsonNode json = badRequest(REPLAY_PATH, body);
            assertThat(json.get("code").stringValue()).isEqualTo("INVALID_REPLAY_REQUEST");
            assertThat(json.get("message").stringValue()).isEqualTo("Replay requires either from_id or from_date");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"step\":{}}",
                "{\"step\":{\"gte\":1,\"lte\":3}}",
                "{\"step\":{\"like\":1}}",
                "{\"step\":{\"gt\":\"x\"}}",
                "{\"step\":{\"in\":[]}}",
                "{\"step\":{\"in\":5}}",
                "{\"step\":{\"in\":[{\"a\":1}]}}",
                "{\"step\":{\"between\":[5,1]}}",
                "{\"step\":{\"between\":[1]}}",
                "{\"step\":{\"between\":[1,\"9\"]}}",
                "{\"step\":{\"eq\":null}}",
                "{\"polygon\":\"(0,0,1,1,0,0)\",\"point\":\"0,0\"}",
                "{\"event_type_is_not_empty\":1}"
            })
    void invalidIdentifiersAreWatchValidationErrors(String identifier) {
        String eventType = identifier.contains("event_type_is_not_empty") ? " " : "mars";
        String body = "{\"event_type\":\"" + eventType + "\",\"identifier\":" + identifier + "}";
        assertThat(badRequest(WATCH_PATH, body).get("code").stringValue()).isEqualTo("INVALID_WATCH_REQUEST");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"step\":{\"gte\":1}}", "{\"point\":\"52.5,13.4\"}", "{\"class\":\"od\"}"})
    void notifyRejectsConstraintsAndPointButAcceptsScalars(String identifier) {
        String body = "{\"event_type\":\"mars\",\"identifier\":" + identifier + ",\"payload\":1}";
        if (identifier.contains("class")) {
            try (StreamRecorder ok = StreamRecorder.post(server.uri(NOTIFICATION_PATH), body)) {
                assertThat(ok.awaitStatus()).isEqualTo(200);
            }
            assertThat(server.lastSequence("mars")).isEqualTo(1);
            return;
        }
        assertThat(badRequest(NOTIFICATION_PATH, body).get("code").stringValue())
                .isEqualTo("INVALID_NOTIFICATION_REQUEST");
        assertThat(server.lastSequence("mars")).isZero();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"from_id\":\"0\"",
                "\"from_id\":\"+5\"",
                "\"from_id\":\"18446744073709551615\"",
                "\"from_date\":\"0\"",
                "\"from_date\":\"+1772618405\"",
                "\"from_date\":\"2026-03-04 10:00:00.5+02:00\"",
                "\"from_date\":\"2026-03-04t10:00:00z\"",
                "\"payload\":{\"ignored\":true},\"from_id\":\"1\""
            })
    void acceptedStartsOpenAReplay(String start) {
        try (StreamRecorder replay = StreamRecorder.post(
                server.uri(REPLAY_PATH), "{\"event_type\":\"mars\",\"identifier\":{}," + start + "}")) {
            assertThat(replay.awaitStatus()).isEqualTo(200);
            assertThat(replay.awaitEnd().frames()).hasSize(3);
            assertThat(replay.completed()).isTrue();
        }
    }

    @Test
    void unknownIdentifierKeysAndAnyEventTypeAreAccepted() {
        try (StreamRecorder watch = StreamRecorder.post(
                server.uri(WATCH_PATH), "{\"event_type\":\"anything-goes\",\"identifier\":{\"whatever\":1.0}}")) {
            assertThat(watch.awaitStatus()).isEqualTo(200);
            assertThat(watch.awaitFrames(1).get(0)).contains("\"topic\":\"anything-goes.1\"");
        }
    }

    @Test
    void publishRejectsNonScalarIdentifierValues() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> server.publish("mars", Map.of("class", Map.of("eq", 1)), null))
                .withMessageContaining("identifier.class must be a string, a number or a boolean");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> server.publish("mars", Map.of("step", Double.NaN), null))
                .withMessageContaining("not a finite number");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> server.publish(" ", Map.of(), null));
        assertThat(server.lastSequence("mars")).isZero();
    }
}
