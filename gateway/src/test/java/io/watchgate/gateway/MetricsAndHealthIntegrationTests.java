package io.watchgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.core.testing.Await;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.testing.AdminClient;
import io.watchgate.gateway.testing.AdminClient.Answer;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.gateway.testing.SseRecorder;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.sql.StoreUrl;
import io.watchgate.store.testing.TcpProxy;
import io.watchgate.store.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/** {@code /actuator/prometheus}, {@code /actuator/health}, {@code /actuator/info}, and what never shows. */
class MetricsAndHealthIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOKEN = AdminApiIntegrationTests.TOKEN;

    private static GatewayInstance gateway(AvisoTestServer upstream, String storeUrl, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(more);
        all.put("watchgate.store.url", storeUrl);
        all.put("watchgate.upstreams.ecmwf.protocol", "aviso");
        all.put("watchgate.upstreams.ecmwf.url", upstream.baseUri().toString());
        all.put("watchgate.upstreams.ecmwf.pinned[0]", "event_type=mars&class=od");
        all.put("watchgate.admin.token", TOKEN);
        return GatewayInstance.start(all);
    }

    @Test
    void theKeyMetersArePublishedWithBoundedLabelsAndMoveWithTheTraffic() {
        try (TestDatabase database = TestDatabase.create(MetricsAndHealthIntegrationTests.class, Dialect.H2);
                AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = gateway(upstream, database.url(), Map.of())) {
            upstream.awaitOpenStreams(1, WAIT);
            Await.until(() -> value(gateway, "watchgate_sessions{state=\"live\"}") == 1, WAIT, "one live session");
            assertThat(value(gateway, "watchgate_notifications_received_total{upstream=\"ecmwf\"}"))
                    .isZero();
            assertThat(value(gateway, "watchgate_lagged_disconnects_total")).isZero();
            assertThat(value(gateway, "watchgate_store_errors_total{operation=\"journal_append\"}"))
                    .isZero();
            assertThat(value(gateway, "watchgate_upstream_resets_total")).isZero();

            try (SseRecorder subscriber = SseRecorder.open(gateway.uri("/watch/ecmwf?event_type=mars&class=od"))) {
                Await.until(() -> value(gateway, "watchgate_subscribers") == 1, WAIT, "one subscriber");
                upstream.publishMany("mars", Map.of("class", "od"), 3);
                Await.until(() -> subscriber.notifications().size() == 3, WAIT, "three delivered");
                Await.until(
                        () -> value(gateway, "watchgate_notifications_received_total{upstream=\"ecmwf\"}") == 3,
                        WAIT,
                        "three received");
                assertThat(value(gateway, "watchgate_notifications_delivered_total"))
                        .isEqualTo(3);
                assertThat(value(gateway, "watchgate_upstream_received_bytes_total{upstream=\"ecmwf\"}"))
                        .isGreaterThan(100);
                assertThat(value(gateway, "watchgate_journal_append_seconds_count"))
                        .isGreaterThanOrEqualTo(1);
                assertThat(scrape(gateway)).contains("watchgate_journal_append_seconds_bucket{le=");
                Await.until(
                        () -> value(gateway, "watchgate_cursor_commit_seconds_count") >= 1, WAIT, "a cursor commit");

                upstream.skipSequences(2);
                upstream.publish("mars", Map.of("class", "od"), null);
                Await.until(() -> value(gateway, "watchgate_upstream_gaps_total") == 1, WAIT, "a gap counted");

                upstream.closeGracefully("max_duration_reached");
                Await.until(
                        () -> value(gateway, "watchgate_reconnects_total{reason=\"server_closing\"}") == 1,
                        WAIT,
                        "a reconnect counted by reason");
            }
            Await.until(() -> value(gateway, "watchgate_subscribers") == 0, WAIT, "the subscriber left");
            List<String> lines = scrape(gateway).lines().toList();
            for (String line : lines) {
                if (line.startsWith("watchgate_")) {
                    assertThat(line).as("no meter is labelled by session").doesNotContain("session=");
                }
            }
            // requests are observed, event streams (which last as long as their subscribers) are not
            assertThat(lines)
                    .filteredOn(line -> line.startsWith("http_server_requests_seconds_count{"))
                    .anySatisfy(line -> assertThat(line).contains("uri=\"/actuator/prometheus\""))
                    .noneSatisfy(line -> assertThat(line).contains("/watch/"));
        }
    }

    @Test
    void perSessionMetersAreLabelledWithTheSessionKeyOnlyWhenAskedFor() {
        try (TestDatabase database = TestDatabase.create(MetricsAndHealthIntegrationTests.class, Dialect.H2);
                AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway =
                        gateway(upstream, database.url(), Map.of("watchgate.metrics.session-labels", "true"))) {
            upstream.awaitOpenStreams(1, WAIT);
            String key = AdminApiIntegrationTests.awaitSession(new AdminClient(gateway, TOKEN), session -> true);
            upstream.publishMany("mars", Map.of("class", "od"), 3);
            String labels = "{session=\"" + key + "\",upstream=\"ecmwf\"}";
            Await.until(
                    () -> value(gateway, "watchgate_session_notifications_total" + labels) == 3,
                    WAIT,
                    "the session's own counter");
            assertThat(value(gateway, "watchgate_session_subscribers" + labels)).isZero();

            assertThat(new AdminClient(gateway, TOKEN)
                            .delete("/admin/sessions/" + key)
                            .status())
                    .isEqualTo(200);
            Await.until(
                    () -> value(gateway, "watchgate_session_notifications_total" + labels) == -1,
                    WAIT,
                    "the session's meters removed with it");
        }
    }

    @Test
    void healthIsDownWhileAPinnedSessionHasFailedAndUpWhileOneBacksOff() {
        try (TestDatabase database = TestDatabase.create(MetricsAndHealthIntegrationTests.class, Dialect.H2);
                AvisoTestServer upstream = AvisoTestServer.start()) {
            upstream.failNext(1, 403, null);
            try (GatewayInstance gateway = gateway(upstream, database.url(), Map.of())) {
                Await.until(() -> health(gateway).status() == 503, WAIT, "DOWN: the pinned session failed");
                JsonNode down = health(gateway).json();
                assertThat(down.get("status").asString()).isEqualTo("DOWN");
                assertThat(down.get("components").get("store").get("status").asString())
                        .isEqualTo("UP");
                JsonNode sessions = down.get("components").get("sessions");
                assertThat(sessions.get("status").asString()).isEqualTo("DOWN");
                JsonNode failed = sessions.get("details")
                        .get("failed")
                        .properties()
                        .iterator()
                        .next()
                        .getValue();
                // keys, upstreams, states and attempts only: no request, no error message
                assertThat(failed.propertyNames()).containsExactly("upstream", "state", "attempts");
                assertThat(failed.get("upstream").asString()).isEqualTo("ecmwf");
                assertThat(failed.get("state").asString()).isEqualTo("FAILED");
                assertThat(failed.get("attempts").isInt()).isTrue();
                assertThat(health(gateway).body())
                        .doesNotContain("mars")
                        .doesNotContain("HTTP 403")
                        .doesNotContain("read role");

                upstream.failNext(1, 503, "120");
                String key = sessions.get("details")
                        .get("failed")
                        .properties()
                        .iterator()
                        .next()
                        .getKey();
                assertThat(new AdminClient(gateway, TOKEN)
                                .post("/admin/sessions/" + key + "/reconnect")
                                .status())
                        .isEqualTo(202);

                // UP as soon as it reconnects; wait until the upstream's 503 has it backing off
                Await.until(
                        () -> {
                            Answer answer = health(gateway);
                            return answer.status() == 200
                                    && answer.json()
                                            .path("components")
                                            .path("sessions")
                                            .path("details")
                                            .path("sessions")
                                            .has("backing_off");
                        },
                        WAIT,
                        "UP while backing off: backing off is not down");
                JsonNode up = health(gateway).json().get("components").get("sessions");
                assertThat(up.get("details").get("sessions").get("backing_off").asInt())
                        .isEqualTo(1);
                assertThat(up.get("details")
                                .get("backing_off")
                                .properties()
                                .iterator()
                                .next()
                                .getKey())
                        .isEqualTo(key);
                JsonNode backingOff = up.get("details").get("backing_off").get(key);
                assertThat(backingOff.propertyNames()).containsExactly("upstream", "state", "attempts");
                assertThat(backingOff.get("state").asString()).isEqualTo("BACKING_OFF");
                assertThat(backingOff.get("attempts").asInt()).isEqualTo(1);
                assertThat(health(gateway).body()).doesNotContain("mars").doesNotContain("HTTP 503");
            }
        }
    }

    @Test
    void healthIsDownWhileTheStoreCannotBeReached() {
        try (TestDatabase database = TestDatabase.create(MetricsAndHealthIntegrationTests.class, Dialect.POSTGRESQL);
                TcpProxy proxy = TcpProxy.to("127.0.0.1", port(database.url()));
                AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = gateway(
                        upstream,
                        database.url().replaceFirst(":" + port(database.url()) + "/", ":" + proxy.port() + "/"),
                        Map.of())) {
            upstream.awaitOpenStreams(1, WAIT);
            Await.until(() -> health(gateway).status() == 200, WAIT, "UP");

            proxy.cut();
            Await.until(() -> health(gateway).status() == 503, WAIT, "DOWN while the store is cut off");
            JsonNode store = health(gateway).json().get("components").get("store");
            assertThat(store.get("status").asString()).isEqualTo("DOWN");
            // the error's class only: its message may name hosts, users or SQL
            assertThat(store.get("details").get("error").asString()).matches("[A-Za-z0-9_$]+");

            // a session that starts while the store is away waits for it instead of failing
            try (SseRecorder subscriber = SseRecorder.open(gateway.uri("/watch/ecmwf?event_type=mars&class=rd"))) {
                Await.until(() -> gateway.bean(SessionHub.class).sessions().size() == 2, WAIT, "a second session");
                proxy.restore();
                Await.until(() -> health(gateway).status() == 200, WAIT, "UP again");
                upstream.awaitOpenStreams(2, WAIT);
                upstream.publish("mars", Map.of("class", "rd"), null);
                Await.until(() -> subscriber.notifications().size() == 1, WAIT, "the new session runs");
            }
        }
    }

    @Test
    void infoTellsTheVersionTheBuildAndTheUpstreams() {
        try (TestDatabase database = TestDatabase.create(MetricsAndHealthIntegrationTests.class, Dialect.H2);
                AvisoTestServer upstream = AvisoTestServer.start();
                GatewayInstance gateway = gateway(upstream, database.url(), Map.of())) {
            JsonNode info = new AdminClient(gateway, null).get("/actuator/info").json();
            assertThat(info.get("build").get("version").asString()).isNotBlank();
            assertThat(info.get("build").get("artifact").asString()).isEqualTo("watchgate-gateway");
            assertThat(info.get("build").get("time").asString()).isNotBlank();
            assertThat(info.get("watchgate").get("upstreams").get("ecmwf").asString())
                    .isEqualTo("aviso");
            assertThat(info.get("watchgate").get("store").asString()).isEqualTo("h2");
        }
    }

    @Test
    void upstreamCredentialsAndTheAdminTokenNeverAppearInOutputOrLogs() {
        String clientSecret = "client-secret-never-shown-5f2c";
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        try (TestDatabase database = TestDatabase.create(MetricsAndHealthIntegrationTests.class, Dialect.H2);
                AvisoTestServer upstream = AvisoTestServer.start()
                        .requireBearer(Duration.ofMinutes(10))
                        .clientCredentials("gateway", clientSecret);
                GatewayInstance gateway = gateway(
                        upstream,
                        database.url(),
                        Map.of(
                                "watchgate.upstreams.ecmwf.auth.type",
                                "oauth2",
                                "watchgate.upstreams.ecmwf.auth.token-uri",
                                upstream.tokenUri().toString(),
                                "watchgate.upstreams.ecmwf.auth.client-id",
                                "gateway",
                                "watchgate.upstreams.ecmwf.auth.client-secret",
                                clientSecret))) {
            logs.start();
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.addAppender(logs);
            try {
                upstream.awaitOpenStreams(1, WAIT);
                // an expired token: 401, a refresh, a new connection; and requests with wrong tokens
                upstream.expireAllTokens();
                upstream.dropOpenStreams();
                upstream.awaitWatchRequests(3, WAIT);
                upstream.awaitOpenStreams(1, WAIT);
                new AdminClient(gateway, "wrong-" + TOKEN).get("/admin/sessions");
                AdminClient admin = new AdminClient(gateway, TOKEN);
                String key = AdminApiIntegrationTests.awaitSession(
                        admin, session -> "LIVE".equals(session.get("state").asString()));
                assertThat(admin.post("/admin/sessions/" + key + "/reconnect").status())
                        .isEqualTo(202);

                List<String> outputs = new ArrayList<>();
                for (String path : List.of(
                        "/admin/sessions",
                        "/admin/sessions/" + key,
                        "/admin/subscribers",
                        "/actuator/health",
                        "/actuator/info",
                        "/actuator/prometheus")) {
                    Answer answer = admin.get(path);
                    assertThat(answer.status()).as(path).isEqualTo(200);
                    outputs.add(answer.body());
                }
                assertThat(AdminApiIntegrationTests.reasons(
                                admin.get("/admin/sessions/" + key).json()))
                        .contains("unauthorized", "auth_refreshed");
                try (SseRecorder events =
                        SseRecorder.open(gateway.uri("/admin/events"), Map.of("Authorization", "Bearer " + TOKEN))) {
                    Await.until(() -> !events.named("snapshot").isEmpty(), WAIT, "a snapshot");
                    outputs.add(events.named("snapshot").get(0).data());
                }
                assertThat(outputs)
                        .allSatisfy(output ->
                                assertThat(output).doesNotContain(clientSecret).doesNotContain(TOKEN));
                assertThat(logs.list).isNotEmpty();
                assertThat(logs.list)
                        .allSatisfy(event -> assertThat(event.getFormattedMessage()
                                        + event.getKeyValuePairs()
                                        + (event.getThrowableProxy() == null
                                                ? ""
                                                : event.getThrowableProxy().getMessage()))
                                .doesNotContain(clientSecret)
                                .doesNotContain(TOKEN));
            } finally {
                root.detachAppender(logs);
            }
        }
    }

    private static Answer health(GatewayInstance gateway) {
        return new AdminClient(gateway, null).get("/actuator/health");
    }

    private static String scrape(GatewayInstance gateway) {
        Answer answer = new AdminClient(gateway, null).get("/actuator/prometheus");
        assertThat(answer.status()).isEqualTo(200);
        return answer.body();
    }

    /** The value of one sample, by its name and labels as written ({@code name{a="b"}}); -1 when absent. */
    static double value(GatewayInstance gateway, String sample) {
        Matcher matcher =
                Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(scrape(gateway));
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : -1;
    }

    private static int port(String url) {
        return (Integer) StoreUrl.parse(url).options().getRequiredValue(io.r2dbc.spi.ConnectionFactoryOptions.PORT);
    }
}
