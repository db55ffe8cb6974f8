package io.watchgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.gateway.testing.SseRecorder;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.TestDatabase;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** One upstream session shared by many subscribers of an aviso upstream (the test upstream). */
class FanOutIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private AvisoTestServer upstream;
    private TestDatabase database;
    private GatewayInstance gateway;

    @BeforeEach
    void start() {
        upstream = AvisoTestServer.start().heartbeatInterval(Duration.ofMillis(300));
        database = TestDatabase.create(FanOutIntegrationTests.class, Dialect.H2);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        upstream.close();
        database.close();
    }

    private void startGateway(Map<String, String> extra) {
        Map<String, String> properties = new java.util.HashMap<>(Map.of(
                "watchgate.store.url", database.url(),
                "watchgate.upstreams.ecmwf.protocol", "aviso",
                "watchgate.upstreams.ecmwf.url", upstream.baseUri().toString(),
                "watchgate.upstreams.ecmwf.heartbeat-timeout", "2s",
                "watchgate.upstreams.ecmwf.backoff.initial", "50ms",
                "watchgate.upstreams.ecmwf.backoff.max", "200ms"));
        properties.putAll(extra);
        gateway = GatewayInstance.start(properties);
    }

    /** A gateway whose subscribers lag 64 events behind, given this long to read their 'lagged'. */
    private void startLaggingGateway(Duration closeTimeout) {
        startGateway(Map.of(
                "watchgate.fanout.subscriber-queue",
                "64",
                "watchgate.fanout.journal-batch",
                "16",
                "watchgate.fanout.lagged-close-timeout",
                closeTimeout.toMillis() + "ms"));
    }

    @Test
    void fiveHundredSubscribersShareOneUpstreamConnectionAndEachGetsEveryNotificationInOrder() {
        startGateway(Map.of("watchgate.fanout.heartbeat-interval", "1s"));
        int subscribers = 500;
        int notifications = 100;
        List<SseRecorder> recorders = new ArrayList<>();
        try {
            for (int i = 0; i < subscribers; i++) {
                recorders.add(SseRecorder.open(gateway.uri("/watch/ecmwf?event_type=mars&class=od")));
            }
            Await.until(
                    () -> subscriberCount() == subscribers,
                    WAIT,
                    () -> subscribers + " subscribers attached, now " + subscriberCount());
            Await.until(() -> upstream.openStreams() == 1, WAIT, "the upstream stream is open");

            List<Long> published = upstream.publishMany("mars", Map.of("class", "od"), notifications);

            List<String> expected = published.stream().map(seq -> "mars@" + seq).toList();
            Await.until(
                    () -> recorders.stream().allMatch(r -> r.notifications().size() >= notifications),
                    WAIT,
                    () -> "every subscriber has " + notifications + " notifications; counts: "
                            + recorders.stream()
                                    .collect(java.util.stream.Collectors.groupingBy(
                                            r -> r.notifications().size() + "n/" + r.comments() + "hb/" + r.completed(),
                                            java.util.stream.Collectors.counting()))
                            + "; journaled " + only(gateway).journaledCount() + "; queue depths "
                            + only(gateway).subscribers().stream()
                                    .collect(java.util.stream.Collectors.groupingBy(
                                            q -> q.depth() + "/" + q.delivered(),
                                            java.util.stream.Collectors.counting())));
            for (SseRecorder recorder : recorders) {
                assertThat(cloudEventIds(recorder.notifications())).isEqualTo(expected);
                assertThat(gatewayIds(recorder.notifications())).isSorted().doesNotHaveDuplicates();
            }
            assertThat(upstream.watchRequests()).hasSize(1);
            assertThat(upstream.connectionCount()).isEqualTo(1);
        } finally {
            recorders.forEach(SseRecorder::close);
        }
    }

    @Test
    void upstreamFaultsAreInvisibleToSubscribersExceptStatusEvents() {
        upstream.requireBearer(Duration.ofHours(1));
        upstream.publishMany("mars", Map.of("class", "od"), 5);
        // queued per connection: 500, 503 with Retry-After, a zombie stream (heartbeat starvation),
        // a stream dropped after 3 notifications, then normal streams
        upstream.failNext(1, 500, null).failNext(1, 503, "1").stallNext(1).dropAfter(3);
        startGateway(Map.of(
                "watchgate.upstreams.ecmwf.auth.type",
                "oauth2",
                "watchgate.upstreams.ecmwf.auth.token-uri",
                upstream.tokenUri().toString(),
                "watchgate.upstreams.ecmwf.auth.client-id",
                AvisoTestServer.DEFAULT_CLIENT_ID,
                "watchgate.upstreams.ecmwf.auth.client-secret",
                AvisoTestServer.DEFAULT_CLIENT_SECRET));
        try (SseRecorder subscriber =
                SseRecorder.open(gateway.uri("/watch/ecmwf?event_type=mars&class=od&from_id=1"))) {
            Await.until(() -> subscriber.notifications().size() == 5, WAIT, "the five replayed notifications");
            upstream.expireAllTokens();
            upstream.dropOpenStreams(); // reconnect with an expired token: 401, refresh, retry
            upstream.publishMany("mars", Map.of("class", "od"), 5);
            Await.until(() -> subscriber.notifications().size() >= 10, WAIT, "all ten notifications");

            assertThat(cloudEventIds(subscriber.notifications()))
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, 10)
                            .mapToObj(seq -> "mars@" + (seq + upstream.lastSequence("mars") - 10))
                            .toList());
            assertThat(gatewayIds(subscriber.notifications())).isSorted().doesNotHaveDuplicates();
            List<String> states = subscriber.named("status").stream()
                    .map(event -> JSON.readTree(event.data()).get("state").asString())
                    .toList();
            assertThat(states).contains("BACKING_OFF", "LIVE");
            assertThat(subscriber.named("status"))
                    .as(subscriber.named("status").toString())
                    .extracting(
                            event -> JSON.readTree(event.data()).get("reason").asString())
                    .contains("server_error", "retry_after", "heartbeat_starved", "transport_error", "unauthorized");
            assertThat(upstream.tokenRequests()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aSubscriberThatNeverReadsIsLaggedAndDetachedWhileTheOthersFinish() throws Exception {
        startLaggingGateway(Duration.ofSeconds(1));
        String payload = "x".repeat(64 * 1024);
        try (Socket stuck = new Socket();
                SseRecorder reader = SseRecorder.open(gateway.uri("/watch/ecmwf?event_type=mars&class=od"))) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()));
            OutputStream out = stuck.getOutputStream();
            out.write(("GET /watch/ecmwf?event_type=mars&class=od HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Accept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Await.until(() -> subscriberCount() == 2, WAIT, "both subscribers attached");
            Await.until(() -> upstream.openStreams() == 1, WAIT, "the upstream stream is open");

            int notifications = 400;
            for (int i = 0; i < notifications; i++) {
                upstream.publish("mars", Map.of("class", "od"), payload);
            }
            Await.until(
                    () -> reader.notifications().size() == notifications,
                    WAIT,
                    () -> "the reader got everything: " + reader.notifications().size() + ", lagged "
                            + reader.named("lagged") + ", completed " + reader.completed() + " " + reader.error()
                            + ", subscribers " + subscriberCount() + ", journaled "
                            + only(gateway).journaledCount());
            Await.until(() -> subscriberCount() == 1, WAIT, "the stuck subscriber was detached");
            // it never reads its 'lagged' event: its connection is closed (the server resets it)
            stuck.setSoTimeout(200);
            java.io.InputStream in = stuck.getInputStream();
            byte[] drain = new byte[64 * 1024];
            Await.until(
                    () -> {
                        try {
                            return in.read(drain) < 0; // end of stream: closed
                        } catch (java.net.SocketTimeoutException stillOpen) {
                            return false;
                        } catch (java.io.IOException reset) {
                            return true;
                        }
                    },
                    WAIT,
                    "the stuck subscriber's connection is closed");
            assertThat(gatewayIds(reader.notifications())).isSorted().doesNotHaveDuplicates();
            assertThat(reader.named("lagged")).isEmpty();
        }
    }

    @Test
    void aLaggedSubscriberThatReadsAgainGetsTheLaggedEventWithItsLastCursor() throws Exception {
        // the close timeout as long as the wait: reading what was buffered ahead of 'lagged' is not timed here
        startLaggingGateway(WAIT);
        String payload = "x".repeat(64 * 1024);
        try (Socket late = new Socket()) {
            late.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()));
            late.getOutputStream()
                    .write(("GET /watch/ecmwf?event_type=mars&class=od HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    + "Accept: text/event-stream\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            Await.until(() -> subscriberCount() == 1, WAIT, "the subscriber attached");
            Await.until(() -> upstream.openStreams() == 1, WAIT, "the upstream stream is open");
            for (int i = 0; i < 400 && subscriberCount() == 1; i++) {
                upstream.publish("mars", Map.of("class", "od"), payload);
            }
            Await.until(() -> subscriberCount() == 0, WAIT, "the subscriber lagged and was detached");

            // now it reads: what it was given, then 'lagged' with the last cursor it got, then the end
            late.setSoTimeout((int) WAIT.toMillis());
            String stream = readUntil(late.getInputStream(), "event: lagged\n");
            java.util.regex.Matcher ids =
                    java.util.regex.Pattern.compile("\nid: (\\d+)\n").matcher(stream);
            long lastId = 0;
            while (ids.find()) {
                lastId = Long.parseLong(ids.group(1));
            }
            assertThat(lastId).isPositive();
            String lagged = "event: lagged\ndata: {\"last_event_id\":\"" + lastId + "\"}\n\n";
            int laggedAt = stream.indexOf("event: lagged\n");
            assertThat(laggedAt)
                    .as(() -> "where 'lagged' is in the stream that ends with: " + tail(stream))
                    .isNotNegative();
            assertThat(stream.substring(laggedAt)).isEqualTo(lagged);

            // the body is not chunked but ends with the connection: the frames are all there is
            String whole = stream + new String(late.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headEnd = whole.indexOf("\r\n\r\n");
            String head = whole.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
            String body = whole.substring(headEnd + 4);
            assertThat(head).contains("\r\nconnection: close").doesNotContain("transfer-encoding");
            assertThat(body).startsWith("retry: ").endsWith(lagged).doesNotContain("\r\n"); // no chunk framing
        }
    }

    /**
     * Reads until the text appears (then the rest of that frame), or the stream ends. It looks at
     * each byte read a bounded number of times: a lagged stream is megabytes long.
     */
    private static String readUntil(java.io.InputStream in, String text) throws java.io.IOException {
        StringBuilder read = new StringBuilder(); // a char per byte, decoded as UTF-8 at the end
        byte[] buffer = new byte[64 * 1024];
        int from = 0;
        int at = -1;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            read.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            if (at < 0) {
                at = read.indexOf(text, from);
                from = Math.max(0, read.length() - text.length());
            }
            if (at >= 0 && read.indexOf("\n\n", at) >= 0) {
                break;
            }
        }
        return new String(read.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** The last frames of a stream, long payloads shortened: what a failed assertion shows of it. */
    private static String tail(String stream) {
        String shortened = stream.replaceAll("x{16,}", "x…");
        return shortened.substring(Math.max(0, shortened.length() - 600));
    }

    private int subscriberCount() {
        return gateway.bean(SessionHub.class).sessions().stream()
                .mapToInt(HubSession::attachedCount)
                .sum();
    }

    static List<String> cloudEventIds(List<SseEvent> notifications) {
        return notifications.stream()
                .map(event -> JSON.readTree(event.data()).get("id").asString())
                .toList();
    }

    static List<Long> gatewayIds(List<SseEvent> notifications) {
        return notifications.stream()
                .map(event -> Long.parseLong(event.lastEventId()))
                .toList();
    }

    static HubSession only(GatewayInstance gateway) {
        List<HubSession> sessions = gateway.bean(SessionHub.class).sessions();
        assertThat(sessions).hasSize(1);
        return sessions.get(0);
    }
}
