package io.watchgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.WatchSession;
import io.watchgate.core.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The default backoff schedule of a real session, in virtual time: an upstream port that refuses
 * connections makes every attempt fail at once (real I/O), while the waits between attempts run on
 * a virtual clock that the test advances only while the session is backing off.
 */
class BackoffScheduleIntegrationTests {

    static final Duration STEP = Duration.ofMillis(250);

    @Test
    void aRefusingUpstreamIsRetriedWithTheDefaultExponentialSchedule() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        WatchClient client = WatchClient.builder()
                .upstream(Upstream.aviso(URI.create("http://127.0.0.1:" + closedPort)))
                .scheduler(clock)
                .jitter(() -> 0.0)
                .build();
        WatchSession session = client.session(WatchRequest.aviso("mars"));
        List<SessionStatus> statuses = new CopyOnWriteArrayList<>();
        Disposable status = session.status().subscribe(statuses::add);
        Disposable notifications = session.notifications().subscribe(n -> {}, e -> {});
        try {
            Await.until(
                    () -> {
                        if (session.snapshot().state() == SessionState.BACKING_OFF) {
                            clock.advanceTimeBy(STEP);
                        }
                        return reasons(statuses, "reconnecting") >= 9;
                    },
                    Duration.ofSeconds(30),
                    () -> "statuses " + statuses);
        } finally {
            notifications.dispose();
            status.dispose();
            client.close();
        }

        List<Duration> delays = new ArrayList<>();
        List<Duration> waited = new ArrayList<>();
        for (int i = 0; i < statuses.size() - 1; i++) {
            SessionStatus backingOff = statuses.get(i);
            if (backingOff.state() == SessionState.BACKING_OFF && delays.size() < 9) {
                SessionStatus reconnecting = statuses.get(i + 1);
                assertThat(reconnecting.reason()).isEqualTo("reconnecting");
                delays.add(backingOff.delay());
                waited.add(Duration.between(backingOff.time(), reconnecting.time()));
            }
        }
        assertThat(delays)
                .containsExactly(
                        Duration.ofMillis(250),
                        Duration.ofMillis(500),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(8),
                        Duration.ofSeconds(16),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(30));
        for (int i = 0; i < delays.size(); i++) {
            // the virtual clock moves in steps, so the wait is the delay, or up to one step more when
            // the delay was scheduled just after a step
            assertThat(waited.get(i)).isBetween(delays.get(i), delays.get(i).plus(STEP));
        }
        assertThat(statuses).allSatisfy(s -> assertThat(s.reason()).isNotEqualTo("heartbeat_starved"));
    }

    private static long reasons(List<SessionStatus> statuses, String reason) {
        return statuses.stream().filter(s -> s.reason().equals(reason)).count();
    }
}
