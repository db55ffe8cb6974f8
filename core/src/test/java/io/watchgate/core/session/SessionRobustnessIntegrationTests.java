package io.watchgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.Notification;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.WatchSession;
import io.watchgate.core.auth.AuthProvider;
import io.watchgate.core.auth.ClientCredentials;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/** Session behaviour at the edges: resubscription, failing consumers, flaky identity providers, id-less SSE events, slow subscribers. */
class SessionRobustnessIntegrationTests extends AvisoSessionFixture {

    /**
     * A session that ended while its final commit is still in flight does not block the next one:
     * subscribing the same request again right away waits for the flush instead of being refused.
     */
    @Test
    void aSequentialResubscriptionIsNotRefusedWhileTheFinalCommitIsInFlight() {
        publish(5);
        WatchClient client =
                clientBuilder().cursorStore(slowCommits(Duration.ofMillis(200))).build();
        StepVerifier.create(client.watch(mars().fromSequence(1)).take(2))
                .expectNextCount(2)
                .expectComplete()
                .verify(WAIT);
        // the first subscription is over (take(2) cancelled inside the 2nd onNext, so 1 is the last
        // committed); the caller starts the next one, which waits for the flush and resumes after 1
        StepVerifier.create(client.watch(mars()).take(1).map(n -> n.sequence().getAsLong()))
                .expectNext(2L)
                .expectComplete()
                .verify(WAIT);
        client.close();
    }

    /**
     * After a 401, a transient failure of the token endpoint (503) during the refresh is retried
     * with backoff, not terminal.
     */
    @Test
    void aTransientTokenEndpointFailureDuringRefreshIsRetriedNotTerminal() {
        server.requireBearer(Duration.ofMinutes(5));
        WatchClient authed = clientBuilder()
                .auth(AuthProvider.clientCredentials(ClientCredentials.of(
                        server.tokenUri(), AvisoTestServer.DEFAULT_CLIENT_ID, AvisoTestServer.DEFAULT_CLIENT_SECRET)))
                .build();
        publish(2);
        WatchSession session = authed.session(mars().fromSequence(1));
        List<Notification> received = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<SessionStatus> statuses = new CopyOnWriteArrayList<>();
        subscriptions.add(session.status().subscribe(statuses::add));
        subscriptions.add(session.notifications().subscribe(received::add, errors::add));
        Await.until(() -> received.size() == 2, WAIT, "first two");
        server.expireAllTokens();
        server.failTokenRequests(1, 503); // the IdP blips once
        server.dropOpenStreams();
        publish(1);
        Await.until(
                () -> received.size() == 3 || !errors.isEmpty(),
                WAIT,
                () -> "third or error: "
                        + statuses.stream().map(SessionStatus::reason).toList());
        assertThat(errors).as("session must survive an IdP blip").isEmpty();
        assertThat(session.snapshot().state()).isNotEqualTo(SessionState.FAILED);
        authed.close();
    }

    /**
     * A generic SSE source whose events do not all carry an id: per WHATWG the last event id
     * persists, and an id-less event must not be taken for a duplicate of the previous one.
     */
    @Test
    void sseEventsWithoutTheirOwnIdAreNotDroppedAsDuplicates() {
        String body = "id: 1\ndata: a\n\n" + "data: b\n\n" + "id: 2\ndata: c\n\n";
        DisposableServer sse = HttpServer.create()
                .port(0)
                .route(routes -> routes.get(
                        "/events/{channel}",
                        (req, res) -> res.header("Content-Type", "text/event-stream")
                                .sendString(Mono.just(body), StandardCharsets.UTF_8)
                                .then(Mono.never())))
                .bindNow();
        try {
            WatchClient client = WatchClient.builder()
                    .upstream(Upstream.sse("http://localhost:" + sse.port() + "/events/{channel}"))
                    .backoff(FAST)
                    .jitter(() -> 0.0)
                    .heartbeatTimeout(Duration.ofSeconds(5))
                    .build();
            StepVerifier.create(client.watch(WatchRequest.sse().variable("channel", "x"))
                            .map(Notification::payload)
                            .take(3))
                    .expectNext("a", "b", "c")
                    .expectComplete()
                    .verify(Duration.ofSeconds(3));
            client.close();
        } finally {
            sse.disposeNow();
        }
    }

    /**
     * The key is released before the subscriber hears of an error or completion, so retry() and
     * repeat() start the next session instead of hitting SessionConflictException.
     */
    @Test
    void retryResubscribesInsteadOfHittingSessionConflict() {
        server.failNext(3, 403, null);
        WatchClient client = clientBuilder().build();
        StepVerifier.create(client.watch(mars()).retry(2))
                .expectErrorSatisfies(
                        error -> assertThat(error).isInstanceOf(io.watchgate.core.UpstreamRejectedException.class))
                .verify(WAIT);
        assertThat(server.watchRequests()).hasSize(3);
        client.close();
    }

    @Test
    void repeatOfAReplayOnlySessionIsNotRefused() {
        publish(3);
        WatchClient client = clientBuilder().build();
        StepVerifier.create(client.watch(mars().replayOnly().fromSequence(1))
                        .repeat(1)
                        .map(n -> n.sequence().getAsLong()))
                .expectNext(1L, 2L, 3L, 1L, 2L, 3L)
                .expectComplete()
                .verify(WAIT);
        client.close();
    }

    /**
     * The subscriber's consumer throws on sequence 3 (its processing failed): Reactor cancels inside
     * onNext. At least once means the committed cursor stays at 2, so a restart re-delivers 3.
     */
    @Test
    void aNotificationWhoseConsumerThrewIsNotCommitted() {
        publish(5);
        WatchClient client = clientBuilder().build();
        WatchRequest request = mars().fromSequence(1);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        subscriptions.add(client.watch(request)
                .subscribe(
                        n -> {
                            if (n.sequence().getAsLong() == 3) {
                                throw new IllegalStateException("database down while processing 3");
                            }
                        },
                        errors::add));
        Await.until(() -> !errors.isEmpty(), WAIT, "consumer error");
        Await.until(() -> client.sessions().isEmpty(), WAIT, "session ended");
        Checkpoint committed = store.snapshot().get(client.sessionKey(request));
        assertThat(committed.sequence().getAsLong()).as("3 was never processed").isEqualTo(2);
        client.close();
    }

    /**
     * A subscriber that keeps requesting, one item every 100 ms, slower than the upstream: time spent
     * waiting for its demand is not silence on the wire, so the session never reports starvation.
     */
    @Test
    void aSteadilyRequestingSlowSubscriberDoesNotLookLikeAStarvedUpstream() {
        String big = "x".repeat(2000);
        for (int i = 0; i < 60; i++) {
            server.publish("mars", Map.of("class", "od", "step", i), big);
        }
        WatchClient client =
                clientBuilder().heartbeatTimeout(Duration.ofSeconds(1)).build();
        WatchSession session = client.session(mars().fromSequence(1));
        List<SessionStatus> statuses = new CopyOnWriteArrayList<>();
        List<Long> received = new CopyOnWriteArrayList<>();
        subscriptions.add(session.status().subscribe(statuses::add));
        // never holds demand back for more than 100 ms: one outstanding request at all times
        reactor.core.publisher.BaseSubscriber<Notification> paced = new reactor.core.publisher.BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
                request(1);
            }

            @Override
            protected void hookOnNext(Notification n) {
                received.add(n.sequence().getAsLong());
                reactor.core.scheduler.Schedulers.parallel()
                        .schedule(() -> request(1), 100, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        };
        subscriptions.add(paced);
        session.notifications().subscribe(paced);
        Await.until(() -> received.size() >= 60, Duration.ofSeconds(30), () -> "got " + received.size());
        assertThat(statuses.stream().map(SessionStatus::reason)).doesNotContain("heartbeat_starved");
        assertThat(server.watchRequests()).hasSize(1);
        client.close();
    }
}
