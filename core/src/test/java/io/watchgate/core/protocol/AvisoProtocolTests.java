package io.watchgate.core.protocol;

import static io.watchgate.core.IdentifierFilter.Operator.BETWEEN;
import static io.watchgate.core.IdentifierFilter.Operator.EQ;
import static io.watchgate.core.IdentifierFilter.Operator.GTE;
import static io.watchgate.core.IdentifierFilter.Operator.IN;
import static io.watchgate.core.IdentifierFilter.Operator.LT;
import static io.watchgate.core.IdentifierFilter.constraint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.watchgate.core.Notification;
import io.watchgate.core.Start;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.session.SessionEvent;
import io.watchgate.core.session.SessionEvent.Control;
import io.watchgate.core.session.SessionEvent.ControlKind;
import io.watchgate.core.session.SessionEvent.Malformed;
import io.watchgate.core.session.SessionEvent.Received;
import io.watchgate.core.session.SessionEvent.ServerClosing;
import io.watchgate.core.session.SessionEvent.UpstreamError;
import io.watchgate.core.sse.SseComment;
import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.sse.SseFrame;
import io.watchgate.core.sse.SseMalformed;
import io.watchgate.core.sse.SseRetry;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class AvisoProtocolTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AvisoProtocol PROTOCOL = new AvisoProtocol("http://aviso.test:8080");

    /** The example CloudEvent of aviso-protocol.md §3, verbatim. */
    private static final String EXAMPLE = "{\"data\":{\"identifier\":{\"class\":\"od\",\"date\":\"20250706\","
            + "\"domain\":\"g\",\"expver\":\"0001\",\"step\":\"1\",\"stream\":\"enfo\",\"time\":\"1200\"},"
            + "\"payload\":\"done\"},\"datacontenttype\":\"application/json\","
            + "\"dataschema\":\"http://localhost/schema/mars\",\"id\":\"mars@42\",\"source\":\"http://localhost\","
            + "\"specversion\":\"1.0\",\"time\":\"2025-07-06T12:00:01.123456789Z\",\"type\":\"int.ecmwf.aviso.mars\"}";

    private static JsonNode tree(String json) {
        return JSON.readTree(json);
    }

    private static JsonNode body(UpstreamCall call) {
        assertThat(call.body()).isNotNull();
        return JSON.readTree(call.body());
    }

    private static List<SessionEvent> decode(SseFrame frame) {
        List<SessionEvent> events = new ArrayList<>();
        PROTOCOL.decode(frame, events::add);
        return events;
    }

    private static SseEvent event(String name, String data) {
        return new SseEvent(name, data, "", data.length(), false);
    }

    private static Notification received(String name, String data) {
        List<SessionEvent> events = decode(event(name, data));
        assertThat(events).singleElement().isInstanceOf(Received.class);
        return ((Received) events.getFirst()).notification();
    }

    private static String cloudEvent(String id, String dataJson) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"type\":\"int.ecmwf.aviso.mars\","
                + "\"source\":\"http://localhost\",\"time\":\"2025-07-06T12:00:01Z\","
                + "\"datacontenttype\":\"application/json\"" + (dataJson == null ? "" : ",\"data\":" + dataJson)
                + "}";
    }

    @Nested
    class Call {

        @Test
        void aLiveWatchPostsToTheWatchEndpointWithoutAStart() {
            UpstreamCall call = PROTOCOL.call(WatchRequest.aviso("mars").where("class", "od"), Start.live());

            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.uri()).isEqualTo(URI.create("http://aviso.test:8080/api/v1/watch"));
            assertThat(call.headers())
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of("Content-Type", "application/json", "Accept", "text/event-stream"));
            assertThat(body(call)).isEqualTo(tree("{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\"}}"));
        }

        @Test
        void anEmptyIdentifierIsSentAsAnEmptyObject() {
            UpstreamCall call = PROTOCOL.call(WatchRequest.aviso("mars"), Start.live());

            assertThat(body(call)).isEqualTo(tree("{\"event_type\":\"mars\",\"identifier\":{}}"));
        }

        @Test
        void fromSequenceIsSentAsADecimalStringFromId() {
            UpstreamCall call = PROTOCOL.call(WatchRequest.aviso("mars"), Start.fromSequence(42));

            JsonNode body = body(call);
            assertThat(body).isEqualTo(tree("{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"42\"}"));
            assertThat(body.get("from_id").isString()).isTrue();
        }

        @Test
        void fromSequenceZeroMeansEverything() {
            assertThat(body(PROTOCOL.call(WatchRequest.aviso("mars"), Start.fromSequence(0))))
                    .isEqualTo(tree("{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"0\"}"));
        }

        @Test
        void fromDateIsSentAsRfc3339() {
            UpstreamCall call =
                    PROTOCOL.call(WatchRequest.aviso("mars"), Start.fromDate(Instant.parse("2025-07-06T12:00:00Z")));

            assertThat(body(call))
                    .isEqualTo(
                            tree("{\"event_type\":\"mars\",\"identifier\":{},\"from_date\":\"2025-07-06T12:00:00Z\"}"));
        }

        @Test
        void fromDateKeepsFractionalSeconds() {
            UpstreamCall call = PROTOCOL.call(
                    WatchRequest.aviso("mars"), Start.fromDate(Instant.parse("2025-07-06T12:00:00.250Z")));

            assertThat(body(call).get("from_date").asString()).isEqualTo("2025-07-06T12:00:00.250Z");
        }

        @Test
        void afterACheckpointAsksForTheNextSequence() {
            UpstreamCall call = PROTOCOL.call(WatchRequest.aviso("mars"), Start.after(Checkpoint.of("mars@41", 41)));

            assertThat(body(call)).isEqualTo(tree("{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"42\"}"));
            assertThat(call.uri().getPath()).isEqualTo("/api/v1/watch");
        }

        @Test
        void afterACheckpointOfALaterEpochStillUsesItsSequence() {
            Checkpoint afterReset = new Checkpoint("mars@3", OptionalLong.of(3), 2);

            assertThat(body(PROTOCOL.call(WatchRequest.aviso("mars"), Start.after(afterReset)))
                            .get("from_id")
                            .asString())
                    .isEqualTo("4");
        }

        @Test
        void replayOnlyPostsToTheReplayEndpoint() {
            WatchRequest request = WatchRequest.aviso("mars").fromSequence(7).replayOnly();

            UpstreamCall call = PROTOCOL.call(request, Start.fromSequence(7));

            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.uri()).isEqualTo(URI.create("http://aviso.test:8080/api/v1/replay"));
            assertThat(body(call)).isEqualTo(tree("{\"event_type\":\"mars\",\"identifier\":{},\"from_id\":\"7\"}"));
        }

        @Test
        void exactFiltersAreStringsAndConstraintsAreObjectsWithNumbers() {
            WatchRequest request = WatchRequest.aviso("mars")
                    .where("class", "od")
                    .where("expver", "0001")
                    .where("number", 5)
                    .where("step", constraint(GTE, "4"))
                    .where("domain", constraint(IN, "g", "a"))
                    .where("time", constraint(BETWEEN, "3", "7"));

            UpstreamCall call = PROTOCOL.call(request, Start.live());

            assertThat(body(call))
                    .isEqualTo(tree("{\"event_type\":\"mars\",\"identifier\":{"
                            + "\"class\":\"od\",\"expver\":\"0001\",\"number\":\"5\","
                            + "\"step\":{\"gte\":4},"
                            + "\"domain\":{\"in\":[\"g\",\"a\"]},"
                            + "\"time\":{\"between\":[3,7]}}}"));
        }

        @Test
        void constraintNumbersKeepTheirFormAndNonNumbersStayStrings() {
            WatchRequest request = WatchRequest.aviso("extreme")
                    .where("anomaly", constraint(GTE, "40.5"))
                    .where("step", constraint(LT, "-3"))
                    .where("severity", constraint(EQ, "high"))
                    .where("region", constraint(IN, "eu", "12"));

            JsonNode identifier = body(PROTOCOL.call(request, Start.live())).get("identifier");

            assertThat(identifier)
                    .isEqualTo(tree("{\"anomaly\":{\"gte\":40.5},\"step\":{\"lt\":-3},"
                            + "\"severity\":{\"eq\":\"high\"},\"region\":{\"in\":[\"eu\",12]}}"));
            assertThat(identifier.get("anomaly").get("gte").isNumber()).isTrue();
            assertThat(identifier.get("severity").get("eq").isString()).isTrue();
        }

        @Test
        void theProtocolOfAnAvisoUpstreamUsesItsBaseUrl() {
            UpstreamProtocol protocol = UpstreamProtocol.of(Upstream.aviso(URI.create("https://aviso.example.org/")));

            assertThat(protocol).isInstanceOf(AvisoProtocol.class);
            assertThat(protocol.call(WatchRequest.aviso("mars"), Start.live()).uri())
                    .isEqualTo(URI.create("https://aviso.example.org/api/v1/watch"));
            assertThat(protocol.announcesReplay()).isTrue();
        }

        @Test
        void validateAcceptsAvisoRequestsOnly() {
            PROTOCOL.validate(WatchRequest.aviso("mars"));

            assertThatThrownBy(() -> PROTOCOL.validate(WatchRequest.sse()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs WatchRequest.aviso(eventType)");
        }
    }

    @Nested
    class DecodeNotifications {

        @ParameterizedTest
        @ValueSource(strings = {"live-notification", "replay"})
        void aCloudEventBecomesANotification(String name) {
            String data =
                    cloudEvent("mars@42", "{\"identifier\":{\"class\":\"od\",\"step\":\"1\"},\"payload\":\"done\"}");

            Notification notification = received(name, data);

            assertThat(notification.cursor()).isEqualTo("mars@42");
            assertThat(notification.sequence()).hasValue(42);
            assertThat(notification.eventType()).isEqualTo("mars");
            assertThat(notification.time()).isEqualTo(Instant.parse("2025-07-06T12:00:01Z"));
            assertThat(notification.identifier())
                    .containsExactlyInAnyOrderEntriesOf(Map.of("class", "od", "step", "1"));
            assertThat(notification.payload()).isEqualTo("\"done\"");
            assertThat(notification.raw()).isSameAs(data);
        }

        @Test
        void theExampleOfTheProtocolNotesDecodes() {
            Notification notification = received("live-notification", EXAMPLE);

            assertThat(notification)
                    .isEqualTo(new Notification(
                            "mars@42",
                            OptionalLong.of(42),
                            "mars",
                            Instant.parse("2025-07-06T12:00:01.123456789Z"),
                            Map.of(
                                    "class", "od",
                                    "date", "20250706",
                                    "domain", "g",
                                    "expver", "0001",
                                    "step", "1",
                                    "stream", "enfo",
                                    "time", "1200"),
                            "\"done\"",
                            EXAMPLE));
        }

        @Test
        void aNullOrAbsentPayloadIsNull() {
            assertThat(received("replay", cloudEvent("mars@1", "{\"identifier\":{},\"payload\":null}"))
                            .payload())
                    .isNull();
            assertThat(received("replay", cloudEvent("mars@1", "{\"identifier\":{}}"))
                            .payload())
                    .isNull();
            Notification noData = received("replay", cloudEvent("mars@1", null));
            assertThat(noData.payload()).isNull();
            assertThat(noData.identifier()).isEmpty();
        }

        @Test
        void aStructuredPayloadIsKeptAsJsonText() {
            Notification notification = received(
                    "live-notification",
                    cloudEvent("mars@5", "{\"identifier\":{},\"payload\":{\"path\":\"/a b\",\"size\":[1,2.5,true]}}"));

            assertThat(notification.payload()).isNotNull();
            assertThat(tree(notification.payload())).isEqualTo(tree("{\"path\":\"/a b\",\"size\":[1,2.5,true]}"));
        }

        @Test
        void theSequenceIsAfterTheLastAt() {
            Notification notification = received("replay", cloudEvent("odd@type@17", "{\"identifier\":{}}"));

            assertThat(notification.sequence()).hasValue(17);
            assertThat(notification.eventType()).isEqualTo("odd@type");
            assertThat(notification.cursor()).isEqualTo("odd@type@17");
        }

        @Test
        void nonStringIdentifierValuesAreKeptAsTheirJsonText() {
            Notification notification =
                    received("replay", cloudEvent("mars@1", "{\"identifier\":{\"step\":1,\"flag\":true}}"));

            assertThat(notification.identifier())
                    .containsExactlyInAnyOrderEntriesOf(Map.of("step", "1", "flag", "true"));
        }

        @Test
        void anUnparsableTimeIsNull() {
            String data = cloudEvent("mars@1", "{}").replace("2025-07-06T12:00:01Z", "yesterday");

            assertThat(received("replay", data).time()).isNull();
        }

        @ParameterizedTest
        @ValueSource(strings = {"mars", "mars@", "mars@abc", "mars@4x", "mars@-5", "mars@+5", "mars@ 5", "42"})
        void anIdWithoutANumericSuffixIsMalformed(String id) {
            List<SessionEvent> events = decode(event("live-notification", cloudEvent(id, "{}")));

            assertThat(events).singleElement().isInstanceOfSatisfying(Malformed.class, malformed -> {
                assertThat(malformed.kind()).isEqualTo("bad_id");
                assertThat(malformed.detail()).contains("'" + id + "'");
            });
        }

        @Test
        void aSequenceTooLargeForALongIsMalformed() {
            assertThat(decode(event("replay", cloudEvent("mars@99999999999999999999", "{}"))))
                    .singleElement()
                    .isInstanceOfSatisfying(
                            Malformed.class, m -> assertThat(m.kind()).isEqualTo("bad_id"));
        }

        @Test
        void aCloudEventWithoutIdIsMalformed() {
            String data = "{\"specversion\":\"1.0\",\"type\":\"int.ecmwf.aviso.mars\"}";

            assertThat(decode(event("replay", data)))
                    .singleElement()
                    .isInstanceOfSatisfying(
                            Malformed.class, m -> assertThat(m.kind()).isEqualTo("bad_id"));
        }
    }

    @Nested
    class DecodeControl {

        @Test
        void connectionEstablishedIsLiveStarted() {
            String data = "{\"connection_will_close_in_seconds\":3600,\"request_id\":\"r\",\"timestamp\":"
                    + "\"2025-07-06T12:00:00Z\",\"topic\":\"mars.*\",\"type\":\"connection_established\"}";

            assertThat(decode(event("live-notification", data))).containsExactly(new Control(ControlKind.LIVE_STARTED));
        }

        @Test
        void anotherControlTypeUnderLiveNotificationIsIgnored() {
            assertThat(decode(event("live-notification", "{\"type\":\"something_new\"}")))
                    .isEmpty();
        }

        @Test
        void replayStartedAndCompletedAreControls() {
            String started = "{\"batch_size\":100,\"from_date\":null,\"from_sequence\":1,\"request_id\":\"r\","
                    + "\"timestamp\":\"2025-07-06T12:00:00Z\",\"topic\":\"mars.*\",\"type\":\"replay_started\"}";
            String completed =
                    "{\"timestamp\":\"2025-07-06T12:00:00Z\",\"topic\":\"mars.*\",\"type\":\"replay_completed\"}";

            assertThat(decode(event("replay-control", started)))
                    .containsExactly(new Control(ControlKind.REPLAY_STARTED));
            assertThat(decode(event("replay-control", completed)))
                    .containsExactly(new Control(ControlKind.REPLAY_COMPLETED));
        }

        @Test
        void theReplayLimitIsAnUpstreamError() {
            String data = "{\"max_allowed\":10,\"message\":\"Historical replay limited to 10 messages.\","
                    + "\"timestamp\":\"2025-07-06T12:00:00Z\",\"topic\":\"mars.*\","
                    + "\"type\":\"notification_replay_limit_reached\"}";

            assertThat(decode(event("replay-control", data)))
                    .containsExactly(
                            new UpstreamError("replay limit reached: Historical replay limited to 10 messages."));
        }

        @Test
        void anErrorEventIsAnUpstreamError() {
            String data = "{\"error\":\"stream_processing_failed\",\"message\":\"batch fetch failed\","
                    + "\"request_id\":\"r\",\"topic\":\"mars.*\"}";

            assertThat(decode(event("error", data)))
                    .containsExactly(new UpstreamError("stream_processing_failed: batch fetch failed"));
        }

        @Test
        void aPerMessageErrorIsAnUpstreamError() {
            String data = "{\"error\":\"CloudEvent creation failed\",\"message\":\"no topic config\","
                    + "\"request_id\":\"r\",\"sequence\":9,\"topic\":\"x\"}";

            assertThat(decode(event("error", data)))
                    .containsExactly(new UpstreamError("CloudEvent creation failed: no topic config"));
        }

        @Test
        void aHeartbeatProducesNothing() {
            assertThat(decode(event("heartbeat", "{\"timestamp\":\"2025-07-06T12:00:00Z\",\"topic\":\"mars.*\"}")))
                    .isEmpty();
            assertThat(decode(event("heartbeat", ""))).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"end_of_stream", "max_duration_reached", "server_shutdown"})
        void connectionClosingCarriesItsReason(String reason) {
            String data = "{\"message\":\"m\",\"reason\":\"" + reason + "\",\"request_id\":\"r\","
                    + "\"timestamp\":\"2025-07-06T12:00:00Z\",\"topic\":\"mars.*\"}";

            assertThat(decode(event("connection-closing", data))).containsExactly(new ServerClosing(reason));
        }

        @Test
        void connectionClosingWithoutReasonIsUnknown() {
            assertThat(decode(event("connection-closing", "{}"))).containsExactly(new ServerClosing("unknown"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"message", "notification", "live", "Replay", ""})
        void unknownEventNamesProduceNothing(String name) {
            assertThat(decode(event(name, EXAMPLE))).isEmpty();
            assertThat(decode(event(name, "{\"type\":\"replay_started\"}"))).isEmpty();
            assertThat(decode(event(name, "not json at all"))).isEmpty();
        }

        @Test
        void anUnknownReplayControlTypeProducesNothing() {
            assertThat(decode(event("replay-control", "{\"type\":\"replay_paused\"}")))
                    .isEmpty();
        }
    }

    @Nested
    class DecodeMalformed {

        @ParameterizedTest
        @ValueSource(strings = {"live-notification", "replay", "replay-control", "error", "connection-closing"})
        void badJsonIsMalformed(String name) {
            List<SessionEvent> events = decode(event(name, "{\"id\":\"mars@1\""));

            assertThat(events).singleElement().isInstanceOfSatisfying(Malformed.class, malformed -> {
                assertThat(malformed.kind()).isEqualTo("bad_json");
                assertThat(malformed.detail()).startsWith("event '" + name + "': ");
            });
        }

        @ParameterizedTest
        @ValueSource(strings = {"[1,2]", "\"mars@1\"", "42", "null", "true"})
        void aDataThatIsNotAnObjectIsMalformed(String data) {
            assertThat(decode(event("live-notification", data)))
                    .containsExactly(new Malformed("bad_json", "event 'live-notification': data is not a JSON object"));
        }

        @Test
        void emptyDataIsMalformed() {
            assertThat(decode(event("replay", "")))
                    .singleElement()
                    .isInstanceOfSatisfying(
                            Malformed.class, m -> assertThat(m.kind()).isEqualTo("bad_json"));
        }

        @Test
        void aDecoderReportBecomesMalformed() {
            assertThat(decode(new SseMalformed(SseMalformed.Kind.LINE_TOO_LONG, "line of 2000000 bytes")))
                    .containsExactly(new Malformed("line_too_long", "line of 2000000 bytes"));
            assertThat(decode(new SseMalformed(SseMalformed.Kind.INVALID_UTF8, "bad byte")))
                    .containsExactly(new Malformed("invalid_utf8", "bad byte"));
        }

        @Test
        void commentsAndRetryHintsProduceNothing() {
            assertThat(decode(new SseComment(" keep-alive"))).isEmpty();
            assertThat(decode(new SseRetry(5000))).isEmpty();
        }
    }
}
