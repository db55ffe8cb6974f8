package io.watchgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.BackoffPolicy;
import io.watchgate.core.Notification;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.Upstream;
import io.watchgate.core.UpstreamRejectedException;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.WatchSession;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.InMemoryCursorStore;
import io.watchgate.core.testing.Await;
import io.watchgate.core.testing.RecordedRequest;
import io.watchgate.core.testing.SseTestServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/** Sessions against a generic SSE source over real HTTP. */
class SseSourceIntegrationTests {

    static final Duration WAIT = Duration.ofSeconds(10);

    SseTestServer server;
    InMemoryCursorStore store;
    WatchClient client;
    final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server = SseTestServer.start().heartbeatInterval(Duration.ofMillis(100));
        store = new InMemoryCursorStore();
        client = WatchClient.builder()
                .upstream(Upstream.sse(server.baseUri() + "/events/{channel}"))
                .cursorStore(store)
                .backoff(new BackoffPolicy(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 0.0))
                .jitter(() -> 0.0)
                .commitEvery(1, Duration.ofMillis(50))
                .build();
    }

    @AfterEach
    void stop() {
        subscriptions.forEach(Disposable::dispose);
        client.close();
        server.close();
    }

    @Test
    void deliversEventsWithTheirIdsAsCursorsAndResumesWithLastEventId() {
        for (int i = 1; i <= 6; i++) {
            server.publish("ch 1", "data-" + i);
        }
        server.dropAfter(4);
        WatchRequest request = WatchRequest.sse().variable("channel", "ch 1").afterEventId("0");
        List<Notification> received = new CopyOnWriteArrayList<>();
        subscriptions.add(client.watch(request).subscribe(received::add));
        Await.until(() -> received.size() == 6, WAIT, () -> "received " + received);
        assertThat(received).extracting(Notification::cursor).containsExactly("1", "2", "3", "4", "5", "6");
        assertThat(received)
                .extracting(Notification::payload)
                .containsExactly("data-1", "data-2", "data-3", "data-4", "data-5", "data-6");
        assertThat(received.getFirst().sequence()).hasValue(1);
        List<RecordedRequest> requests = server.requests();
        assertThat(requests.get(0).path()).isEqualTo("/events/ch%201");
        assertThat(requests.get(0).lastEventId()).isEqualTo("0");
        assertThat(requests.get(1).lastEventId()).isEqualTo("4");
        Await.until(
                () -> {
                    Checkpoint committed = store.snapshot().get(client.sessionKey(request));
                    return committed != null && committed.cursor().equals("6");
                },
                WAIT,
                "cursor committed");
    }

    @Test
    void resumesFromTheStoredCursorAfterARestart() {
        for (int i = 1; i <= 5; i++) {
            server.publish("a", "x" + i);
        }
        WatchRequest request = WatchRequest.sse().variable("channel", "a");
        store.commit(client.sessionKey(request), Checkpoint.of("3", 3)).block();
        StepVerifier.create(client.watch(request).take(2).map(Notification::cursor))
                .expectNext("4", "5")
                .expectComplete()
                .verify(WAIT);
        assertThat(server.requests().getFirst().lastEventId()).isEqualTo("3");
    }

    @Test
    void theRetryFieldBecomesTheBaseReconnectionDelay() {
        server.retry(Duration.ofMillis(700));
        server.publish("a", "x");
        server.dropAfter(1);
        WatchSession session = client.session(WatchRequest.sse().variable("channel", "a"));
        List<SessionStatus> statuses = new CopyOnWriteArrayList<>();
        subscriptions.add(session.status().subscribe(statuses::add));
        subscriptions.add(session.notifications().subscribe());
        server.awaitRequests(2, WAIT);
        assertThat(statuses).anySatisfy(s -> assertThat(s.delay()).isEqualTo(Duration.ofMillis(700)));
        List<RecordedRequest> requests = server.requests();
        assertThat(Duration.between(
                        requests.get(0).receivedAt(), requests.get(1).receivedAt()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(650));
    }

    @Test
    void aMissingTemplateVariableIsRejectedUpFront() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.watch(WatchRequest.sse()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'channel'");
    }

    @Test
    void aNotFoundSourceIsTerminal() {
        server.failNext(1, 404, null);
        StepVerifier.create(client.watch(WatchRequest.sse().variable("channel", "gone")))
                .expectErrorSatisfies(error ->
                        assertThat(((UpstreamRejectedException) error).status()).isEqualTo(404))
                .verify(WAIT);
    }
}
