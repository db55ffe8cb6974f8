package io.watchgate.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.PrematureCloseException;

/** Framing, resume, heartbeats, faults and observability of {@link SseTestServer}. */
class SseTestServerIntegrationTests {

    private SseTestServer server;

    @BeforeEach
    void start() {
        server = SseTestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private StreamRecorder get(String channel, Map<String, String> headers) {
        return StreamRecorder.get(server.eventsUri(channel), headers);
    }

    private static void assertDroppedAbruptly(StreamRecorder recorder) {
        recorder.awaitEnd();
        assertThat(recorder.completed()).isFalse();
        assertThat(recorder.error()).isInstanceOf(PrematureCloseException.class);
    }

    @Test
    void streamsHistoryThenLiveWithIdsNamesAndMultiLineData() {
        server.retry(Duration.ofSeconds(2));
        assertThat(server.publish("ch1", "a")).isEqualTo(1);
        assertThat(server.publish("ch1", "update", "b")).isEqualTo(2);
        assertThat(server.publish("ch1", "line1\nline2\r\nline3")).isEqualTo(3);
        assertThat(server.publish("other", "x")).isEqualTo(1);
        try (StreamRecorder stream = get("ch1", Map.of())) {
            assertThat(stream.awaitStatus()).isEqualTo(200);
            assertThat(stream.headers().get("Content-Type")).isEqualTo("text/event-stream");
            assertThat(stream.headers().get("Cache-Control")).isEqualTo("no-cache");
            assertThat(stream.headers().get("X-Request-ID")).hasSize(36);
            stream.awaitFrames(4);
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            assertThat(server.publish("ch1", "live")).isEqualTo(4);
            assertThat(stream.awaitFrames(5))
                    .containsExactly(
                            "retry: 2000",
                            "id: 1\ndata: a",
                            "id: 2\nevent: update\ndata: b",
                            "id: 3\ndata: line1\ndata: line2\ndata: line3",
                            "id: 4\ndata: live");
            assertThat(stream.text()).endsWith("\n\n");
            assertThat(stream.ended()).isFalse();
        }
        assertThat(server.lastId("ch1")).isEqualTo(4);
        assertThat(server.lastId("none")).isZero();
    }

    @Test
    void lastEventIdResumesAfterThatIdAndIsRecorded() {
        for (int i = 1; i <= 5; i++) {
            server.publish("ch", "e" + i);
        }
        try (StreamRecorder resumed = get("ch", Map.of("Last-Event-ID", "3"))) {
            assertThat(resumed.awaitFrames(2)).containsExactly("id: 4\ndata: e4", "id: 5\ndata: e5");
        }
        try (StreamRecorder fromStart = get("ch", Map.of("Last-Event-ID", "not-a-number"))) {
            assertThat(fromStart.awaitFrames(5)).hasSize(5).first().isEqualTo("id: 1\ndata: e1");
        }
        try (StreamRecorder upToDate = get("ch", Map.of("Last-Event-ID", "5"))) {
            assertThat(upToDate.awaitStatus()).isEqualTo(200);
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            server.publish("ch", "e6");
            assertThat(upToDate.awaitFrames(1)).containsExactly("id: 6\ndata: e6");
        }
        List<RecordedRequest> requests = server.requests();
        assertThat(requests).extracting(RecordedRequest::lastEventId).containsExactly("3", "not-a-number", "5");
        assertThat(requests).extracting(RecordedRequest::method).containsOnly("GET");
        assertThat(requests.get(0).path()).isEqualTo("/events/ch");
        assertThat(server.connectionCount()).isEqualTo(3);
    }

    @Test
    void channelNamesArePercentEncodedInThePath() {
        server.publish("ch 1/x", "spaced");
        try (StreamRecorder stream = get("ch 1/x", Map.of())) {
            assertThat(stream.awaitFrames(1)).containsExactly("id: 1\ndata: spaced");
        }
        assertThat(server.eventsUri("ch 1/x").getRawPath()).isEqualTo("/events/ch%201%2Fx");
        assertThat(server.requests().get(0).path()).isEqualTo("/events/ch%201%2Fx");
    }

    @Test
    void commentHeartbeatsFlowAtTheConfiguredInterval() {
        server.heartbeatInterval(Duration.ofMillis(50));
        try (StreamRecorder stream = get("quiet", Map.of())) {
            assertThat(stream.awaitFrames(3)).containsOnly(": hb");
        }
        server.heartbeatInterval(Duration.ZERO);
        try (StreamRecorder silent = get("quiet", Map.of())) {
            assertThat(silent.awaitStatus()).isEqualTo(200);
            Await.holdsFor(Duration.ofMillis(200), () -> silent.bytes().length == 0, "no heartbeat when disabled");
        }
    }

    @Test
    void dropAfterClosesAbruptlyAndTheClientResumesWithLastEventId() {
        for (int i = 1; i <= 6; i++) {
            server.publish("ch", "e" + i);
        }
        server.dropAfter(4);
        try (StreamRecorder dropped = get("ch", Map.of())) {
            assertDroppedAbruptly(dropped);
            assertThat(dropped.frames())
                    .containsExactly("id: 1\ndata: e1", "id: 2\ndata: e2", "id: 3\ndata: e3", "id: 4\ndata: e4");
        }
        try (StreamRecorder resumed = get("ch", Map.of("Last-Event-ID", "4"))) {
            assertThat(resumed.awaitFrames(2)).containsExactly("id: 5\ndata: e5", "id: 6\ndata: e6");
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
        server.dropEvery(1);
        for (String last : new String[] {"0", "1"}) {
            try (StreamRecorder dropped = get("ch", Map.of("Last-Event-ID", last))) {
                assertDroppedAbruptly(dropped);
                assertThat(dropped.frames()).hasSize(1);
            }
        }
    }

    @Test
    void failNextAnswersWithStatusAndRetryAfterThenRecovers() {
        server.failNext(1, 503, "3");
        try (StreamRecorder failed = get("ch", Map.of())) {
            assertThat(failed.awaitStatus()).isEqualTo(503);
            assertThat(failed.headers().get("Retry-After")).isEqualTo("3");
            assertThat(failed.awaitEnd().text()).isEqualTo("{\"error\":\"injected failure\",\"status\":503}");
        }
        server.failNext(1, 404, null);
        try (StreamRecorder failed = get("ch", Map.of())) {
            assertThat(failed.awaitStatus()).isEqualTo(404);
            assertThat(failed.headers().contains("Retry-After")).isFalse();
        }
        try (StreamRecorder ok = get("ch", Map.of())) {
            assertThat(ok.awaitStatus()).isEqualTo(200);
        }
        assertThat(server.requests()).extracting(RecordedRequest::status).containsExactly(503, 404, 200);
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void stallNextAndStallAfterGoSilentButStayOpen() {
        server.heartbeatInterval(Duration.ofMillis(30)).stallNext(1);
        try (StreamRecorder stalled = get("ch", Map.of())) {
            assertThat(stalled.awaitStatus()).isEqualTo(200);
            server.publish("ch", "e1");
            Await.holdsFor(Duration.ofMillis(300), () -> stalled.bytes().length == 0, "a stalled stream is silent");
            assertThat(server.openStreams()).isEqualTo(1);
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
        server.stallAfter(1);
        try (StreamRecorder stalled = get("ch", Map.of())) {
            stalled.awaitFrames(f -> f.contains("id: 1\ndata: e1"), "the first event");
            int length = stalled.bytes().length;
            server.publish("ch", "e2");
            Await.holdsFor(Duration.ofMillis(300), () -> stalled.bytes().length == length, "silent after one event");
            assertThat(stalled.ended()).isFalse();
        }
    }

    @Test
    void closeOpenStreamsEndsBodiesNormallyAndDropOpenStreamsAbruptly() {
        try (StreamRecorder one = get("a", Map.of());
                StreamRecorder two = get("b", Map.of())) {
            server.awaitOpenStreams(2, StreamRecorder.TIMEOUT);
            assertThat(server.closeOpenStreams()).isEqualTo(2);
            assertThat(one.awaitEnd().completed()).isTrue();
            assertThat(two.awaitEnd().completed()).isTrue();
        }
        server.awaitOpenStreams(0, StreamRecorder.TIMEOUT);
        try (StreamRecorder three = get("c", Map.of())) {
            server.awaitOpenStreams(1, StreamRecorder.TIMEOUT);
            assertThat(server.dropOpenStreams()).isEqualTo(1);
            assertDroppedAbruptly(three);
        }
    }

    @Test
    void requireBearerAndRoutingErrors() {
        server.requireBearer("t0ken");
        try (StreamRecorder missing = get("ch", Map.of())) {
            assertThat(missing.awaitStatus()).isEqualTo(401);
            assertThat(missing.headers().get("WWW-Authenticate")).isEqualTo("Bearer");
        }
        try (StreamRecorder ok = get("ch", Map.of("Authorization", "Bearer t0ken"))) {
            assertThat(ok.awaitStatus()).isEqualTo(200);
        }
        server.requireBearer(null);
        try (StreamRecorder unknown = StreamRecorder.get(server.baseUri().resolve("/other"), Map.of())) {
            assertThat(unknown.awaitStatus()).isEqualTo(404);
        }
        try (StreamRecorder wrongMethod = StreamRecorder.request(HttpMethod.POST, server.eventsUri("ch"), Map.of())) {
            assertThat(wrongMethod.awaitStatus()).isEqualTo(405);
        }
        server.awaitRequests(4, StreamRecorder.TIMEOUT);
        assertThat(server.requests()).extracting(RecordedRequest::status).containsExactly(401, 200, 404, 405);
        assertThat(server.requests().get(1).authorization()).isEqualTo("Bearer t0ken");
        server.awaitConnectionCount(1, StreamRecorder.TIMEOUT);
    }
}
