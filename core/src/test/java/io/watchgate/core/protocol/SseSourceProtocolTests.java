package io.watchgate.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.watchgate.core.Notification;
import io.watchgate.core.Start;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.session.SessionEvent;
import io.watchgate.core.session.SessionEvent.Malformed;
import io.watchgate.core.session.SessionEvent.Received;
import io.watchgate.core.session.SessionEvent.RetryHint;
import io.watchgate.core.sse.SseComment;
import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.sse.SseFrame;
import io.watchgate.core.sse.SseMalformed;
import io.watchgate.core.sse.SseRetry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SseSourceProtocolTests {

    private static final SseSourceProtocol CHANNEL = new SseSourceProtocol("http://sse.test:9000/events/{channel}");

    private static List<SessionEvent> decode(SseFrame frame) {
        List<SessionEvent> events = new ArrayList<>();
        CHANNEL.decode(frame, events::add);
        return events;
    }

    private static Notification received(SseEvent event) {
        List<SessionEvent> events = decode(event);
        assertThat(events).singleElement().isInstanceOf(Received.class);
        return ((Received) events.getFirst()).notification();
    }

    @Nested
    class UrlTemplate {

        @Test
        void aGetWithTheVariableFilledIn() {
            UpstreamCall call = CHANNEL.call(WatchRequest.sse().variable("channel", "alerts"), Start.live());

            assertThat(call.method()).isEqualTo("GET");
            assertThat(call.uri()).isEqualTo(URI.create("http://sse.test:9000/events/alerts"));
            assertThat(call.body()).isNull();
            assertThat(call.headers())
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of("Accept", "text/event-stream", "Cache-Control", "no-cache"));
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource(
                delimiter = '|',
                value = {
                    "a b        | a%20b",
                    "eu/west    | eu%2Fwest",
                    "é          | %C3%A9",
                    "a?b#c      | a%3Fb%23c",
                    "50%        | 50%25",
                    "a+b&c=d    | a%2Bb%26c%3Dd",
                    "A-z_0.9~   | A-z_0.9~",
                    "{other}    | %7Bother%7D"
                })
        void percentEncodesValuesAsPathSegments(String value, String encoded) {
            UpstreamCall call = CHANNEL.call(WatchRequest.sse().variable("channel", value), Start.live());

            assertThat(call.uri().getRawPath()).isEqualTo("/events/" + encoded);
            assertThat(call.uri().getPath()).isEqualTo("/events/" + value);
        }

        @Test
        void fillsEveryVariableIncludingRepeatsAndQueryParts() {
            SseSourceProtocol protocol = new SseSourceProtocol("https://h.test/{region}/feed/{channel}?tag={region}");
            WatchRequest.SseRequest request = WatchRequest.sse()
                    .variable("channel", "a b")
                    .variable("region", "eu")
                    .variable("unused", "x");

            protocol.validate(request);
            UpstreamCall call = protocol.call(request, Start.live());

            assertThat(call.uri()).isEqualTo(URI.create("https://h.test/eu/feed/a%20b?tag=eu"));
        }

        @Test
        void aTemplateWithoutVariablesIsUsedAsIs() {
            SseSourceProtocol protocol = new SseSourceProtocol("http://h.test/stream?x=1");

            protocol.validate(WatchRequest.sse());
            assertThat(protocol.call(WatchRequest.sse(), Start.live()).uri())
                    .isEqualTo(URI.create("http://h.test/stream?x=1"));
        }

        @Test
        void validateNamesAMissingVariable() {
            SseSourceProtocol protocol = new SseSourceProtocol("http://h.test/{region}/{channel}");

            assertThatThrownBy(() -> protocol.validate(WatchRequest.sse().variable("region", "eu")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs the variable 'channel'")
                    .hasMessageContaining("http://h.test/{region}/{channel}");
            protocol.validate(WatchRequest.sse().variable("region", "eu").variable("channel", "c"));
        }

        @Test
        void validateRejectsAnAvisoRequest() {
            assertThatThrownBy(() -> CHANNEL.validate(WatchRequest.aviso("mars")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs WatchRequest.sse()");
        }

        @Test
        void theProtocolOfAnSseUpstreamUsesItsTemplate() {
            UpstreamProtocol protocol = UpstreamProtocol.of(Upstream.sse("http://sse.test/x/{channel}"));

            assertThat(protocol).isInstanceOf(SseSourceProtocol.class);
            assertThat(protocol.call(WatchRequest.sse().variable("channel", "c/d"), Start.live())
                            .uri())
                    .isEqualTo(URI.create("http://sse.test/x/c%2Fd"));
            assertThat(protocol.announcesReplay()).isFalse();
        }
    }

    @Nested
    class LastEventId {

        private final WatchRequest.SseRequest request = WatchRequest.sse().variable("channel", "c");

        @Test
        void isSentWhenStartingAfterACursor() {
            UpstreamCall call = CHANNEL.call(request, Start.after(Checkpoint.of("evt-17")));

            assertThat(call.headers()).containsEntry("Last-Event-ID", "evt-17");
        }

        @Test
        void isSentForANumericCheckpointToo() {
            assertThat(CHANNEL.call(request, Start.after(Checkpoint.of("17", 17)))
                            .headers())
                    .containsEntry("Last-Event-ID", "17");
        }

        @Test
        void isNotSentWhenStartingLive() {
            assertThat(CHANNEL.call(request, Start.live()).headers()).doesNotContainKey("Last-Event-ID");
        }

        @Test
        void isNotSentAfterAnEmptyCursor() {
            assertThat(CHANNEL.call(request, Start.after(Checkpoint.of(""))).headers())
                    .doesNotContainKey("Last-Event-ID")
                    .containsOnlyKeys("Accept", "Cache-Control");
        }
    }

    @Nested
    class Decode {

        @Test
        void anEventIsANotificationKeyedByItsLastEventId() {
            SseEvent event = new SseEvent("price", "{\"v\":1}", "17", 30, true);

            assertThat(received(event))
                    .isEqualTo(new Notification(
                            "17", OptionalLong.of(17), "price", null, Map.of(), "{\"v\":1}", "{\"v\":1}"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"abc", "17a", "-17", "+17", " 17", "1.5", "٣", "1234567890123456789012"})
        void onlyAllDigitIdsHaveASequence(String id) {
            Notification notification = received(new SseEvent("message", "x", id, 1, true));

            assertThat(notification.cursor()).isEqualTo(id);
            assertThat(notification.sequence()).isEmpty();
        }

        @ParameterizedTest
        @CsvSource({"0, 0", "007, 7", "42, 42", "999999999999999999, 999999999999999999"})
        void allDigitIdsAreTheirSequence(String id, long sequence) {
            assertThat(received(new SseEvent("message", "x", id, 1, true)).sequence())
                    .hasValue(sequence);
        }

        @Test
        void anEventWithoutIdHasAnEmptyCursorAndNoSequence() {
            Notification notification = received(new SseEvent("message", "hello\nworld", "", 12, false));

            assertThat(notification.cursor()).isEmpty();
            assertThat(notification.sequence()).isEmpty();
            assertThat(notification.eventType()).isEqualTo("message");
            assertThat(notification.payload()).isEqualTo("hello\nworld");
            assertThat(notification.raw()).isEqualTo("hello\nworld");
            assertThat(notification.identifier()).isEmpty();
            assertThat(notification.time()).isNull();
        }

        @Test
        void aRetryFieldIsARetryHint() {
            assertThat(decode(new SseRetry(2500))).containsExactly(new RetryHint(Duration.ofMillis(2500)));
            assertThat(decode(new SseRetry(0))).containsExactly(new RetryHint(Duration.ZERO));
        }

        @Test
        void commentsProduceNothing() {
            assertThat(decode(new SseComment(" heartbeat"))).isEmpty();
            assertThat(decode(new SseComment(""))).isEmpty();
        }

        @Test
        void aDecoderReportIsMalformed() {
            assertThat(decode(new SseMalformed(SseMalformed.Kind.EVENT_TOO_LONG, "too big")))
                    .containsExactly(new Malformed("event_too_long", "too big"));
        }
    }
}
