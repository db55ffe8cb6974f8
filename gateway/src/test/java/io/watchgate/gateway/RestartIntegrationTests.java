package io.watchgate.gateway;

import static io.watchgate.gateway.FanOutIntegrationTests.cloudEventIds;
import static io.watchgate.gateway.FanOutIntegrationTests.gatewayIds;
import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import io.watchgate.core.testing.RecordedRequest;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.gateway.testing.SseRecorder;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A gateway on PostgreSQL stopped mid-stream and started again loses and repeats nothing. */
class RestartIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private AvisoTestServer upstream;
    private TestDatabase database;

    @BeforeEach
    void start() {
        upstream = AvisoTestServer.start().heartbeatInterval(Duration.ofMillis(300));
        database = TestDatabase.create(RestartIntegrationTests.class, Dialect.POSTGRESQL);
    }

    @AfterEach
    void stop() {
        upstream.close();
        database.close();
    }

    private GatewayInstance gateway(int port) {
        return GatewayInstance.start(Map.of(
                "server.port",
                Integer.toString(port),
                "watchgate.store.url",
                database.url(),
                "watchgate.upstreams.ecmwf.protocol",
                "aviso",
                "watchgate.upstreams.ecmwf.url",
                upstream.baseUri().toString(),
                "watchgate.upstreams.ecmwf.backoff.initial",
                "50ms",
                "watchgate.upstreams.ecmwf.backoff.max",
                "200ms"));
    }

    @Test
    void resumesTheUpstreamFromTheJournalAndSubscribersFromTheirLastEventId() {
        String watch = "/watch/ecmwf?event_type=mars&class=od";
        List<SseEvent> received = new ArrayList<>();
        int port;
        String lastEventId;
        try (GatewayInstance first = gateway(0)) {
            port = first.port();
            try (SseRecorder subscriber = SseRecorder.open(first.uri(watch + "&from_id=1"))) {
                upstream.publishMany("mars", Map.of("class", "od"), 10);
                Await.until(() -> subscriber.notifications().size() == 10, WAIT, "the first ten");
                // mid-stream: more arrive while the gateway shuts down
                upstream.publishMany("mars", Map.of("class", "od"), 5);
                Await.until(() -> subscriber.notifications().size() >= 12, WAIT, "some of the next five");
                received.addAll(subscriber.notifications());
                lastEventId = received.get(received.size() - 1).lastEventId();
            }
        }
        assertThat(received.get(received.size() - 1).lastEventId()).isEqualTo(lastEventId);
        upstream.publishMany("mars", Map.of("class", "od"), 5); // while the gateway is down
        int watchesBefore = upstream.watchRequests().size();

        try (GatewayInstance second = gateway(port);
                SseRecorder resumed = SseRecorder.open(second.uri(watch), Map.of("Last-Event-ID", lastEventId))) {
            Await.until(
                    () -> received.size() + resumed.notifications().size() >= 20,
                    WAIT,
                    () -> "all twenty notifications (" + resumed.notifications().size() + " after the restart; status "
                            + resumed.status() + ", events " + resumed.events() + ", completed " + resumed.completed()
                            + ")");
            received.addAll(resumed.notifications());

            RecordedRequest resumedWatch = upstream.watchRequests().get(watchesBefore);
            long journaled = Long.parseLong(lastJournaledSequence(second));
            assertThat(resumedWatch.fromId())
                    .as("the upstream is asked from the journal's position")
                    .isNotNull();
            assertThat(Long.parseLong(resumedWatch.fromId())).isLessThanOrEqualTo(journaled + 1);
            assertThat(Long.parseLong(resumedWatch.fromId())).isGreaterThan(10);
        }
        long first = upstream.lastSequence("mars") - 19;
        assertThat(cloudEventIds(received))
                .containsExactlyElementsOf(LongStream.rangeClosed(first, first + 19)
                        .mapToObj(seq -> "mars@" + seq)
                        .toList());
        assertThat(gatewayIds(received)).isSorted().doesNotHaveDuplicates();
    }

    private static String lastJournaledSequence(GatewayInstance gateway) {
        return gateway.bean(io.watchgate.store.WatchgateStore.class)
                .journal(FanOutIntegrationTests.only(gateway).key())
                .position()
                .map(position -> Long.toString(position.sequence().orElseThrow()))
                .block(WAIT);
    }
}
