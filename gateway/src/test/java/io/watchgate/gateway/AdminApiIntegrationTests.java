package io.watchgate.gateway;

import static io.watchgate.gateway.FanOutIntegrationTests.gatewayIds;
import static io.watchgate.gateway.testing.AdminClient.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.testing.AdminClient;
import io.watchgate.gateway.testing.AdminClient.Answer;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.gateway.testing.SseRecorder;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The admin API against live sessions backed by the aviso test upstream: access, views, actions
 * (reconnect, stop, cursor), 404 and 409, and its event streams.
 */
class AdminApiIntegrationTests {

    static final String TOKEN = "admin-token-for-tests-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String WATCH = "/watch/ecmwf?event_type=mars&class=od";

    private TestDatabase database;

    @BeforeEach
    void createDatabase() {
        database = TestDatabase.create(AdminApiIntegrationTests.class, Dialect.H2);
    }

    @AfterEach
    void dropDatabase() {
        database.close();
    }

    private GatewayInstance gateway(AvisoTestServer upstream, Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(properties);
        all.putIfAbsent("watchgate.store.url", database.url());
        all.put("watchgate.upstreams.ecmwf.protocol", "aviso");
        all.put("watchgate.upstreams.ecmwf.url", upstream.baseUri().toString());
        all.putIfAbsent("watchgate.admin.token", TOKEN);
        return GatewayInstance.start(all);
    }

    private GatewayInstance pinned(AvisoTestServer upstream) {
        return gateway(upstream, Map.of("watchgate.upstreams.ecmwf.pinned[0]", "event_type=mars&class=od"));
    }

    @Test
    void withoutATokenConfiguredTheAdminApiAndPageDoNotExist() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = gateway(upstream, Map.of("watchgate.admin.token", ""))) {
            for (String path : List.of("/admin/sessions", "/admin/subscribers", "/admin/events", "/admin/ui")) {
                Answer answer = new AdminClient(gateway, TOKEN).get(path);
                assertThat(answer.status()).as(path).isEqualTo(404);
                assertThat(answer.json().get("request_id").asString()).isEqualTo(answer.header("X-Request-ID"));
            }
        }
    }

    @Test
    void requestsWithoutOrWithAWrongTokenAreRefusedWith401() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = pinned(upstream)) {
            for (AdminClient client : List.of(
                    new AdminClient(gateway, null),
                    new AdminClient(gateway, "wrong"),
                    new AdminClient(gateway, TOKEN + "x"),
                    new AdminClient(gateway, TOKEN.substring(1)))) {
                for (String path : List.of("/admin/sessions", "/admin/subscribers", "/admin/events")) {
                    Answer answer = client.get(path);
                    assertThat(answer.status()).as(path).isEqualTo(401);
                    assertThat(answer.json().get("code").asString()).isEqualTo("UNAUTHORIZED");
                    assertThat(answer.json().get("request_id").asString()).isEqualTo(answer.header("X-Request-ID"));
                    assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
                }
                assertThat(client.post("/admin/sessions/x/reconnect").status()).isEqualTo(401);
                assertThat(client.delete("/admin/sessions/x").status()).isEqualTo(401);
                assertThat(client.put("/admin/sessions/x/cursor", "{\"cursor\":\"1\"}")
                                .status())
                        .isEqualTo(401);
            }
            assertThat(new AdminClient(gateway, TOKEN).get("/admin/sessions").status())
                    .isEqualTo(200);
            // the page loads without a token: it asks for one
            Answer page = new AdminClient(gateway, null).get("/admin/ui");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.header("Content-Type")).startsWith("text/html");
        }
    }

    @Test
    void aTokenConfiguredWithSurroundingWhitespaceIsTheStrippedToken() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = gateway(upstream, Map.of("watchgate.admin.token", "  " + TOKEN + "\t "))) {
            assertThat(new AdminClient(gateway, TOKEN).get("/admin/sessions").status())
                    .isEqualTo(200);
            assertThat(new AdminClient(gateway, "x" + TOKEN)
                            .get("/admin/sessions")
                            .status())
                    .isEqualTo(401);
        }
    }

    @Test
    void sessionsSubscribersAndDetailDescribeALiveSession() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = pinned(upstream)) {
            AdminClient admin = new AdminClient(gateway, TOKEN);
            upstream.awaitOpenStreams(1, WAIT);
            upstream.publishMany("mars", Map.of("class", "od"), 3);
            String key = awaitSession(
                    admin, session -> session.get("journal").get("newest").asLong() == 3);
            try (SseRecorder subscriber =
                    SseRecorder.open(gateway.uri(WATCH + "&from_id=1"), Map.of("User-Agent", "admin-test/1.0"))) {
                Await.until(() -> subscriber.notifications().size() == 3, WAIT, "the subscriber read the journal");
                Await.until(() -> session(admin, key).get("subscribers").asInt() == 1, WAIT, "one subscriber shown");

                JsonNode session = session(admin, key);
                assertThat(session.get("upstream").asString()).isEqualTo("ecmwf");
                assertThat(session.get("request").asString()).contains("mars").contains("class");
                assertThat(session.get("state").asString()).isEqualTo("LIVE");
                assertThat(session.get("pinned").asBoolean()).isTrue();
                assertThat(session.get("cursor").get("upstream").asString()).isEqualTo("mars@3");
                assertThat(session.get("cursor").get("gateway").asLong()).isEqualTo(3);
                assertThat(session.get("notifications_in").asLong()).isEqualTo(3);
                assertThat(session.get("attempts").asInt()).isZero();
                assertThat(session.get("next_retry_time").isNull()).isTrue();
                assertThat(session.get("last_error").isNull()).isTrue();
                assertThat(session.get("journal").get("oldest").asLong()).isEqualTo(1);
                assertThat(Instant.parse(session.get("last_notification_time").asString()))
                        .isBefore(Instant.now().plusSeconds(1));
                assertThat(session.get("transitions").isArray()).isTrue();

                Answer subscribers = admin.get("/admin/subscribers");
                assertThat(subscribers.status()).isEqualTo(200);
                JsonNode only = subscribers.json().get("subscribers").get(0);
                assertThat(only.get("session").asString()).isEqualTo(key);
                assertThat(only.get("remote_address").asString()).startsWith("127.0.0.1:");
                assertThat(only.get("user_agent").asString()).isEqualTo("admin-test/1.0");
                assertThat(only.get("protocol").asString()).isEqualTo("eventsource");
                assertThat(only.get("delivered").asLong()).isEqualTo(3);
                assertThat(only.get("queue_depth").asInt()).isZero();
                assertThat(only.get("lagged_count").asInt()).isZero();
                assertThat(Instant.parse(only.get("since").asString()))
                        .isBefore(Instant.now().plusSeconds(1));

                Answer detail = admin.get("/admin/sessions/" + key);
                assertThat(detail.status()).isEqualTo(200);
                assertThat(reasons(detail.json())).contains("connecting", "connected");
                assertThat(detail.json().get("counters").get("connections").asLong())
                        .isEqualTo(1);
                assertThat(detail.json().get("counters").get("delivered").asLong())
                        .isEqualTo(3);
            }

            Answer unknown = admin.get("/admin/sessions/0123456789abcdef0123456789abcdef");
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.json().get("code").asString()).isEqualTo("SESSION_NOT_FOUND");

            // a local origin session: its key holds a slash, sent encoded
            assertThat(gateway.post("/api/v1/notification", "{\"event_type\":\"demo\",\"identifier\":{},\"payload\":1}")
                            .status())
                    .isEqualTo(200);
            Answer local = admin.get("/admin/sessions/" + segment("local/demo"));
            assertThat(local.status()).isEqualTo(200);
            assertThat(local.json().get("upstream").asString()).isEqualTo("local");
            assertThat(local.json().get("state").asString()).isEqualTo("LIVE");
        }
    }

    @Test
    void reconnectRenewsTheUpstreamConnectionAndNothingIsLostOrRepeated() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = pinned(upstream);
                SseRecorder subscriber = SseRecorder.open(gateway.uri(WATCH))) {
            AdminClient admin = new AdminClient(gateway, TOKEN);
            upstream.awaitOpenStreams(1, WAIT);
            Await.until(() -> subscriber.status() == 200, WAIT, "subscribed");
            String key =
                    awaitSession(admin, session -> session.get("subscribers").asInt() == 1);
            upstream.publishMany("mars", Map.of("class", "od"), 3);
            Await.until(() -> subscriber.notifications().size() == 3, WAIT, "three live");

            Answer reconnect = admin.post("/admin/sessions/" + key + "/reconnect");

            assertThat(reconnect.status()).isEqualTo(202);
            assertThat(reconnect.json().get("session").asString()).isEqualTo(key);
            assertThat(reconnect.json().get("action").asString()).isEqualTo("reconnect");
            upstream.awaitWatchRequests(2, WAIT);
            assertThat(upstream.watchRequests().get(1).fromId()).isEqualTo("4");
            upstream.publishMany("mars", Map.of("class", "od"), 2);
            Await.until(() -> subscriber.notifications().size() == 5, WAIT, "two more after the reconnect");
            assertThat(gatewayIds(subscriber.notifications())).containsExactly(1L, 2L, 3L, 4L, 5L);
            Await.until(
                    () -> reasons(admin.get("/admin/sessions/" + key).json()).contains("reconnect_requested"),
                    WAIT,
                    "the transition is recorded");
            Await.until(() -> "LIVE".equals(session(admin, key).get("state").asString()), WAIT, "live again");
            assertThat(subscriber.notifications()).hasSize(5);

            assertThat(admin.post("/admin/sessions/0123456789abcdef0123456789abcdef/reconnect")
                            .status())
                    .isEqualTo(404);
            publishLocalDemo(gateway);
            Answer local = admin.post("/admin/sessions/" + segment("local/demo") + "/reconnect");
            assertThat(local.status()).isEqualTo(409);
            assertThat(local.json().get("code").asString()).isEqualTo("NOT_APPLICABLE");
        }
    }

    @Test
    void aSessionBackingOffOnALongRetryAfterReconnectsAtOnceWhenAsked() {
        try (AvisoTestServer upstream = AvisoTestServer.start()) {
            upstream.failNext(1, 503, "600");
            try (GatewayInstance gateway = pinned(upstream)) {
                AdminClient admin = new AdminClient(gateway, TOKEN);
                String key = awaitSession(
                        admin,
                        session -> "BACKING_OFF".equals(session.get("state").asString()));
                JsonNode session = session(admin, key);
                assertThat(session.get("attempts").asInt()).isEqualTo(1);
                // Retry-After is honoured up to the client's limit, 5 minutes
                assertThat(Instant.parse(session.get("next_retry_time").asString()))
                        .isAfter(Instant.now().plusSeconds(200));
                JsonNode error = session.get("last_error");
                assertThat(error.get("class").asString()).isEqualTo("retry_after");
                assertThat(error.get("status").asInt()).isEqualTo(503);
                assertThat(error.get("message").asString()).contains("HTTP 503");

                assertThat(admin.post("/admin/sessions/" + key + "/reconnect").status())
                        .isEqualTo(202);

                // far sooner than the 600 s the upstream asked for
                upstream.awaitOpenStreams(1, WAIT);
                Await.until(() -> "LIVE".equals(session(admin, key).get("state").asString()), WAIT, "live");
            }
        }
    }

    @Test
    void deleteStopsTheSessionAndItsSubscribersAreToldClosing() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = gateway(upstream, Map.of());
                SseRecorder subscriber = SseRecorder.open(gateway.uri(WATCH))) {
            AdminClient admin = new AdminClient(gateway, TOKEN);
            upstream.awaitOpenStreams(1, WAIT);
            String key =
                    awaitSession(admin, session -> session.get("subscribers").asInt() == 1);

            Answer stop = admin.delete("/admin/sessions/" + key);

            assertThat(stop.status()).isEqualTo(200);
            assertThat(stop.json().get("action").asString()).isEqualTo("stop");
            Await.until(subscriber::completed, WAIT, "the subscriber's stream ended");
            assertThat(subscriber.named("closing")).hasSize(1);
            Await.until(() -> upstream.openStreams() == 0, WAIT, "the upstream connection closed");
            assertThat(admin.get("/admin/sessions/" + key).status()).isEqualTo(404);
            assertThat(admin.delete("/admin/sessions/" + key).status()).isEqualTo(404);

            publishLocalDemo(gateway);
            assertThat(admin.delete("/admin/sessions/" + segment("local/demo")).status())
                    .isEqualTo(409);
        }
    }

    @Test
    void movingTheCursorBackRestartsTheSessionFromItAndDeliversWhatFollowsAgain() {
        try (AvisoTestServer upstream = AvisoTestServer.start()) {
            String key;
            try (GatewayInstance gateway = pinned(upstream)) {
                AdminClient admin = new AdminClient(gateway, TOKEN);
                upstream.awaitOpenStreams(1, WAIT);
                upstream.publishMany("mars", Map.of("class", "od"), 5);
                key = awaitSession(
                        admin, session -> session.get("journal").get("newest").asLong() == 5);
                String cursorPath = "/admin/sessions/" + key + "/cursor";
                try (SseRecorder subscriber = SseRecorder.open(gateway.uri(WATCH))) {
                    Await.until(() -> subscriber.status() == 200, WAIT, "subscribed");
                    Await.until(() -> session(admin, key).get("subscribers").asInt() == 1, WAIT, "subscriber attached");

                    Answer moved = admin.put(cursorPath, "{\"cursor\":\"2\"}");

                    assertThat(moved.status()).isEqualTo(200);
                    assertThat(moved.json().get("cursor").asString()).isEqualTo("mars@2");
                    assertThat(moved.json().get("epoch").asLong()).isEqualTo(1);
                    upstream.awaitWatchRequests(2, WAIT);
                    assertThat(upstream.watchRequests().get(1).fromId()).isEqualTo("3");
                    // 3, 4 and 5 again, as new journal entries in the new epoch
                    Await.until(() -> subscriber.notifications().size() == 3, WAIT, "three again");
                    assertThat(gatewayIds(subscriber.notifications())).containsExactly(6L, 7L, 8L);
                    assertThat(FanOutIntegrationTests.cloudEventIds(subscriber.notifications()))
                            .containsExactly("mars@3", "mars@4", "mars@5");
                    Await.until(
                            () -> session(admin, key).get("cursor").get("epoch").asLong() == 1,
                            WAIT,
                            "the session's epoch moved");
                    assertThat(reasons(admin.get("/admin/sessions/" + key).json()))
                            .contains("cursor_moved");
                }

                for (String body : List.of(
                        "",
                        "not json",
                        "{}",
                        "{\"cursor\":true}",
                        "{\"cursor\":\"abc\"}",
                        "[1]",
                        "{\"cursor\":\"-1\"}",
                        "{\"cursor\":1.5}")) {
                    Answer bad = admin.put(cursorPath, body);
                    assertThat(bad.status()).as(body).isEqualTo(400);
                    assertThat(bad.json().get("code").asString()).isEqualTo("INVALID_CURSOR");
                }
                assertThat(admin.put("/admin/sessions/0123456789abcdef0123456789abcdef/cursor", "{\"cursor\":\"1\"}")
                                .status())
                        .isEqualTo(404);
                publishLocalDemo(gateway);
                assertThat(admin.put("/admin/sessions/" + segment("local/demo") + "/cursor", "{\"cursor\":\"1\"}")
                                .status())
                        .isEqualTo(409);

                // moved again while the upstream refuses the new connection: nothing is replayed, so
                // the journal's position is where the move put it (not mars@5 of epoch 1)
                upstream.failNext(1, 503, "600");
                Answer again = admin.put(cursorPath, "{\"cursor\":\"mars@1\"}");
                assertThat(again.status()).isEqualTo(200);
                assertThat(again.json().get("epoch").asLong()).isEqualTo(2);
                upstream.awaitWatchRequests(3, WAIT);
                assertThat(upstream.watchRequests().get(2).fromId()).isEqualTo("2");
                Await.until(
                        () -> "BACKING_OFF"
                                .equals(session(admin, key).get("state").asString()),
                        WAIT,
                        "refused, backing off");
                JsonNode cursor = session(admin, key).get("cursor");
                assertThat(cursor.get("upstream").asString()).isEqualTo("mars@1");
                assertThat(cursor.get("epoch").asLong()).isEqualTo(2);
                assertThat(gateway.bean(SessionHub.class)
                                .find(key)
                                .orElseThrow()
                                .journal()
                                .position()
                                .block(WAIT))
                        .isEqualTo(new Checkpoint("mars@1", OptionalLong.of(1), 2));
            }

            // so a gateway started again resumes after it: 2 to 5 journaled anew in epoch 2, then live
            try (GatewayInstance restarted = pinned(upstream)) {
                AdminClient admin = new AdminClient(restarted, TOKEN);
                upstream.awaitWatchRequests(4, WAIT);
                assertThat(upstream.watchRequests().get(3).fromId()).isEqualTo("2");
                awaitSession(
                        admin, session -> session.get("journal").get("newest").asLong() == 12);
                JsonNode cursor = session(admin, key).get("cursor");
                assertThat(cursor.get("upstream").asString()).isEqualTo("mars@5");
                assertThat(cursor.get("epoch").asLong()).isEqualTo(2);
                try (SseRecorder subscriber = SseRecorder.open(restarted.uri(WATCH + "&from_id=2"))) {
                    Await.until(() -> subscriber.notifications().size() == 4, WAIT, "2 to 5 again");
                    upstream.publish("mars", Map.of("class", "od"), null);
                    Await.until(() -> subscriber.notifications().size() == 5, WAIT, "then live");
                    assertThat(FanOutIntegrationTests.cloudEventIds(subscriber.notifications()))
                            .containsExactly("mars@2", "mars@3", "mars@4", "mars@5", "mars@6");
                    assertThat(gatewayIds(subscriber.notifications())).containsExactly(9L, 10L, 11L, 12L, 13L);
                }
            }
        }
    }

    @Test
    void cursorMovesOfASessionRunOneAtATimeAndOneTheJournalRefusesIsA409() throws Exception {
        try (TestDatabase postgres = TestDatabase.create(AdminApiIntegrationTests.class, Dialect.POSTGRESQL);
                AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = gateway(
                        upstream,
                        Map.of(
                                "watchgate.store.url",
                                postgres.url(),
                                "watchgate.upstreams.ecmwf.pinned[0]",
                                "event_type=mars&class=od"))) {
            AdminClient admin = new AdminClient(gateway, TOKEN);
            upstream.awaitOpenStreams(1, WAIT);
            upstream.publishMany("mars", Map.of("class", "od"), 5);
            String key = awaitSession(
                    admin, session -> session.get("journal").get("newest").asLong() == 5);
            String path = "/admin/sessions/" + key + "/cursor";

            try (Connection writer = postgres.connect();
                    Statement sql = writer.createStatement()) {
                // another writer holds the session's journal row: the move waits for it
                writer.setAutoCommit(false);
                sql.executeQuery("SELECT epoch FROM journal_session WHERE session_key = '" + key + "' FOR UPDATE")
                        .close();
                CompletableFuture<Answer> first =
                        CompletableFuture.supplyAsync(() -> admin.put(path, "{\"cursor\":2}"));
                Await.until(() -> waitingForTheJournalRow(postgres) > 0, WAIT, "the move waits for the journal");

                // a second move of the session meanwhile is refused at once
                Answer second = CompletableFuture.supplyAsync(() -> admin.put(path, "{\"cursor\":3}"))
                        .get(10, TimeUnit.SECONDS);
                assertThat(second.status()).as(second.body()).isEqualTo(409);
                assertThat(second.json().get("code").asString()).isEqualTo("NOT_APPLICABLE");
                assertThat(second.json().get("message").asString()).contains("in progress");

                // the writer moves the journal's position past where the first move goes
                sql.executeUpdate("UPDATE journal_session SET upstream_cursor = 'mars@4', upstream_sequence = 4,"
                        + " epoch = 7 WHERE session_key = '" + key + "'");
                writer.commit();
                Answer refused = first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(refused.status()).as(refused.body()).isEqualTo(409);
                assertThat(refused.json().get("code").asString()).isEqualTo("NOT_APPLICABLE");
                assertThat(refused.json().get("message").asString()).contains("already past");
                assertThat(refused.json().get("request_id").asString()).isEqualTo(refused.header("X-Request-ID"));
            }
            // the upstream session did not move either
            assertThat(upstream.watchRequests()).hasSize(1);
            assertThat(session(admin, key).get("cursor").get("epoch").asLong()).isZero();
            assertThat(reasons(session(admin, key))).doesNotContain("cursor_moved");

            // the next move goes past the journal's epoch, and takes effect
            Answer moved = admin.put(path, "{\"cursor\":2}");
            assertThat(moved.status()).as(moved.body()).isEqualTo(200);
            assertThat(moved.json().get("epoch").asLong()).isEqualTo(8);
            upstream.awaitWatchRequests(2, WAIT);
            assertThat(upstream.watchRequests().get(1).fromId()).isEqualTo("3");
        }
    }

    /** How many of the database's queries wait for a lock on a journal row. */
    private static int waitingForTheJournalRow(TestDatabase database) {
        try (Connection connection = database.connect();
                Statement sql = connection.createStatement();
                ResultSet waiting = sql.executeQuery("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        + " AND query LIKE '%journal_session%'")) {
            waiting.next();
            return waiting.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPinnedSessionThatFailedStaysInViewAndReconnectStartsItAgain() {
        try (AvisoTestServer upstream = AvisoTestServer.start()) {
            upstream.failNext(1, 403, null);
            try (GatewayInstance gateway = pinned(upstream)) {
                AdminClient admin = new AdminClient(gateway, TOKEN);
                String key = awaitSession(
                        admin, session -> "FAILED".equals(session.get("state").asString()));
                JsonNode error = session(admin, key).get("last_error");
                assertThat(error.get("class").asString()).isEqualTo("rejected");
                assertThat(error.get("status").asInt()).isEqualTo(403);

                Answer reconnect = admin.post("/admin/sessions/" + key + "/reconnect");

                assertThat(reconnect.status()).isEqualTo(202);
                assertThat(reconnect.json().get("restarted").asBoolean()).isTrue();
                upstream.awaitOpenStreams(1, WAIT);
                Await.until(() -> "LIVE".equals(session(admin, key).get("state").asString()), WAIT, "live");
            }
        }
    }

    @Test
    void aSubscriberOfAPinnedSessionThatFailedStartsItAgainStillPinned() {
        try (AvisoTestServer upstream = AvisoTestServer.start()) {
            upstream.failNext(1, 403, null);
            try (GatewayInstance gateway = pinned(upstream)) {
                AdminClient admin = new AdminClient(gateway, TOKEN);
                String key = awaitSession(
                        admin, session -> "FAILED".equals(session.get("state").asString()));

                try (SseRecorder subscriber = SseRecorder.open(gateway.uri(WATCH))) {
                    upstream.awaitOpenStreams(1, WAIT);
                    Await.until(
                            () -> "LIVE".equals(session(admin, key).get("state").asString()), WAIT, "live");
                    JsonNode session = session(admin, key);
                    // the pinned spec, not the subscriber's: it keeps running once the subscriber leaves
                    assertThat(session.get("pinned").asBoolean()).isTrue();
                    assertThat(session.get("request").asString()).contains("mars");
                    upstream.publish("mars", Map.of("class", "od"), null);
                    Await.until(() -> subscriber.notifications().size() == 1, WAIT, "the subscriber is served");
                }
            }
        }
    }

    @Test
    void gapsAreCountedButNeitherListedNorStreamedAsTransitions() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = pinned(upstream)) {
            AdminClient admin = new AdminClient(gateway, TOKEN);
            upstream.awaitOpenStreams(1, WAIT);
            String key = awaitSession(
                    admin, session -> "LIVE".equals(session.get("state").asString()));
            Map<String, String> auth = Map.of("Authorization", "Bearer " + TOKEN);
            try (SseRecorder events = SseRecorder.open(gateway.uri("/admin/events"), auth)) {
                Await.until(() -> !events.named("snapshot").isEmpty(), WAIT, "a first snapshot");
                upstream.publish("mars", Map.of("class", "od"), null);
                int gaps = 60; // more than the 50 transitions a session keeps
                for (int i = 0; i < gaps; i++) {
                    upstream.skipSequences(1);
                    upstream.publish("mars", Map.of("class", "od"), null);
                }
                Await.until(
                        () -> session(admin, key).get("counters").get("gaps").asLong() == gaps, WAIT, "every gap seen");
                Await.until(
                        () -> MetricsAndHealthIntegrationTests.value(gateway, "watchgate_upstream_gaps_total") == gaps,
                        WAIT,
                        "every gap counted");
                assertThat(reasons(session(admin, key)))
                        .contains("connecting", "connected")
                        .doesNotContain("gap");

                // a real transition after them comes alone on the event stream
                upstream.dropOpenStreams();
                Await.until(() -> transitionReasons(events).contains("connected"), WAIT, "reconnected, seen live");
                assertThat(transitionReasons(events))
                        .contains("transport_error")
                        .doesNotContain("gap");
            }
        }
    }

    @Test
    void theEventStreamsSendSnapshotsAndTransitionsAsTheyHappen() {
        try (AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = pinned(upstream)) {
            AdminClient admin = new AdminClient(gateway, TOKEN);
            upstream.awaitOpenStreams(1, WAIT);
            String key = awaitSession(
                    admin, session -> "LIVE".equals(session.get("state").asString()));
            Map<String, String> auth = Map.of("Authorization", "Bearer " + TOKEN);
            try (SseRecorder all = SseRecorder.open(gateway.uri("/admin/events"), auth);
                    SseRecorder one = SseRecorder.open(gateway.uri("/admin/sessions/" + key + "/events"), auth)) {
                Await.until(() -> !all.named("snapshot").isEmpty(), WAIT, "a first snapshot");
                JsonNode snapshot =
                        JsonSupport.read(all.named("snapshot").get(0).data());
                assertThat(snapshot.get("sessions").get(0).get("key").asString())
                        .isEqualTo(key);
                assertThat(snapshot.get("subscribers").isArray()).isTrue();
                Await.until(() -> !one.named("session").isEmpty(), WAIT, "the session's detail");
                assertThat(JsonSupport.read(one.named("session").get(0).data())
                                .get("key")
                                .asString())
                        .isEqualTo(key);

                upstream.dropOpenStreams();

                Await.until(() -> transitionReasons(all).contains("connected"), WAIT, "reconnected, seen live");
                assertThat(transitionReasons(all)).contains("transport_error");
                Await.until(() -> transitionReasons(one).contains("connected"), WAIT, "also on the session's stream");
                JsonNode transition =
                        JsonSupport.read(one.named("transition").get(0).data());
                assertThat(transition.get("session").asString()).isEqualTo(key);
                assertThat(transition.get("state").asString()).isNotBlank();
                Await.until(() -> all.named("snapshot").size() >= 2, WAIT, "snapshots keep coming");

                assertThat(admin.delete("/admin/sessions/" + key).status()).isEqualTo(200);
                Await.until(one::completed, WAIT, "the session's stream ended with it");
                assertThat(one.named("session_ended")).hasSize(1);
            }
            assertThat(new AdminClient(gateway, TOKEN)
                            .get("/admin/sessions/" + key + "/events")
                            .status())
                    .isEqualTo(404);
        }
    }

    /** Publishes to the local origin, which starts its session {@code local/demo}. */
    private static void publishLocalDemo(GatewayInstance gateway) {
        assertThat(gateway.post("/api/v1/notification", "{\"event_type\":\"demo\",\"identifier\":{},\"payload\":1}")
                        .status())
                .isEqualTo(200);
    }

    static JsonNode session(AdminClient admin, String key) {
        Answer answer = admin.get("/admin/sessions/" + segment(key));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json();
    }

    /** Waits for the only session to satisfy the condition; returns its key. */
    static String awaitSession(AdminClient admin, java.util.function.Predicate<JsonNode> condition) {
        List<String> key = new ArrayList<>();
        Await.until(
                () -> {
                    JsonNode sessions = admin.get("/admin/sessions").json().get("sessions");
                    for (JsonNode session : sessions) {
                        if (session.get("upstream").asString().equals("ecmwf") && condition.test(session)) {
                            key.add(session.get("key").asString());
                            return true;
                        }
                    }
                    return false;
                },
                WAIT,
                "a session in the expected state");
        return key.get(0);
    }

    static List<String> reasons(JsonNode detail) {
        return StreamSupport.stream(detail.get("transitions").spliterator(), false)
                .map(transition -> transition.get("reason").asString())
                .toList();
    }

    private static List<String> transitionReasons(SseRecorder recorder) {
        return recorder.named("transition").stream()
                .map(event -> JsonSupport.read(event.data()).get("reason").asString())
                .toList();
    }

    /** Reads JSON text. */
    static final class JsonSupport {
        private static final tools.jackson.databind.json.JsonMapper JSON =
                tools.jackson.databind.json.JsonMapper.builder().build();

        private JsonSupport() {}

        static JsonNode read(String text) {
            return JSON.readTree(text);
        }
    }
}
