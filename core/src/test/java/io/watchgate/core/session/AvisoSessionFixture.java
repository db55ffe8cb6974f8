package io.watchgate.core.session;

import io.watchgate.core.BackoffPolicy;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.core.cursor.InMemoryCursorStore;
import io.watchgate.core.testing.AvisoTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * What session tests against the aviso test upstream share: a fresh upstream (heartbeats every 100
 * ms), an in-memory cursor store, and a client builder with fast, jitter-free backoff and commits
 * after every notification.
 */
abstract class AvisoSessionFixture {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(20), 2.0, Duration.ofMillis(200), 0.0);

    AvisoTestServer server;
    InMemoryCursorStore store;
    WatchClient client;
    final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startUpstream() {
        server = AvisoTestServer.start().heartbeatInterval(Duration.ofMillis(100));
        store = new InMemoryCursorStore();
        client = clientBuilder().build();
    }

    @AfterEach
    void stopUpstream() {
        subscriptions.forEach(Disposable::dispose);
        client.close();
        server.close();
    }

    WatchClient.Builder clientBuilder() {
        return WatchClient.builder()
                .upstream(Upstream.aviso(server.baseUri()).named("test"))
                .cursorStore(store)
                .backoff(FAST)
                .jitter(() -> 0.0)
                .heartbeatTimeout(Duration.ofSeconds(2))
                .commitEvery(1, Duration.ofMillis(50));
    }

    /** The fixture's store, with every commit taking {@code delay}, like a remote database. */
    CursorStore slowCommits(Duration delay) {
        return new CursorStore() {
            @Override
            public Mono<Checkpoint> load(String sessionKey) {
                return store.load(sessionKey);
            }

            @Override
            public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
                return Mono.delay(delay).then(store.commit(sessionKey, checkpoint));
            }
        };
    }

    static WatchRequest.AvisoRequest mars() {
        return WatchRequest.aviso("mars").where("class", "od");
    }

    /** Publishes {@code count} {@code mars} notifications with {@code class=od}. */
    void publish(int count) {
        for (int i = 0; i < count; i++) {
            server.publish("mars", Map.of("class", "od", "step", i), "p" + i);
        }
    }

    /** The committed sequence of a request's session, or -1. */
    long committedSequence(WatchRequest request) {
        var checkpoint = store.snapshot().get(client.sessionKey(request));
        return checkpoint == null ? -1 : checkpoint.sequence().orElse(-1);
    }
}
