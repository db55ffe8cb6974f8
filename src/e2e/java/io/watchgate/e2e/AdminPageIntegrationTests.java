package io.watchgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.watchgate.core.testing.Await;
import io.watchgate.core.testing.AvisoTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator page in headless Chromium, against the packaged gateway and the aviso test
 * upstream: it asks for the token (a wrong one is refused and asked again), shows the pinned
 * session the test created, follows its state live (the upstream drops the stream: backing off,
 * then live again, without a reload), and its "reconnect" button reaches the session (the upstream
 * gets a new watch request). A screenshot is kept in {@code gateway/target/e2e/admin-ui.png}.
 */
class AdminPageIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "admin-page-token-0123456789";

    @TempDir
    Path temp;

    private final Path artifacts = Path.of(System.getProperty("watchgate.e2e.artifacts", "target/e2e"));
    private final Path jar = Path.of(System.getProperty("watchgate.e2e.jar", "target/watchgate-gateway.jar"));

    @Test
    void thePageFollowsASessionLiveAndItsReconnectButtonReachesTheSession() throws Exception {
        assumeFalse(Boolean.getBoolean("watchgate.e2e.skip"), "-Dwatchgate.e2e.skip=true: browser test skipped");
        Files.createDirectories(artifacts);
        Path screenshot = artifacts.resolve("admin-ui.png");
        Files.deleteIfExists(screenshot);
        try (AvisoTestServer upstream = AvisoTestServer.start();
                Chromium chromium = Chromium.start(
                        temp.resolve("profile"), artifacts.resolve("admin-chromium.log"), WAIT);
                GatewayProcess gateway = GatewayProcess.start(
                        jar,
                        temp.resolve("gateway"),
                        artifacts.resolve("admin-gateway.log"),
                        0,
                        Map.of(
                                "watchgate.store.url", "r2dbc:h2:file:///" + temp.resolve("store").toAbsolutePath(),
                                "watchgate.admin.token", TOKEN,
                                "watchgate.admin.snapshot-interval", "1s",
                                "watchgate.upstreams.ecmwf.protocol", "aviso",
                                "watchgate.upstreams.ecmwf.url", upstream.baseUri().toString(),
                                "watchgate.upstreams.ecmwf.backoff.initial", "1s",
                                "watchgate.upstreams.ecmwf.pinned[0]", "event_type=mars&class=od"),
                        WAIT)) {
            BrowserPage page = BrowserPage.open(chromium.devTools());
            try {
                operate(page, gateway, upstream);
                page.screenshot(screenshot);
            } catch (Throwable failure) {
                page.screenshot(screenshot);
                Files.writeString(
                        artifacts.resolve("admin-ui.html"),
                        page.evaluate("document.documentElement.outerHTML").asString());
                throw failure;
            }
        }
        assertThat(screenshot).isNotEmptyFile();
    }

    private static void operate(BrowserPage page, GatewayProcess gateway, AvisoTestServer upstream) {
        upstream.awaitOpenStreams(1, WAIT);
        page.resize(1500, 700);
        page.navigate(gateway.origin() + "/admin/ui", WAIT);
        assertThat(page.evaluate("document.querySelector('#login').hidden").asBoolean()).isFalse();

        signIn(page, "not-the-token");
        Await.until(
                () -> page.evaluate("!document.querySelector('#login').hidden && document.querySelector('#message')"
                                + ".textContent.includes('refused')")
                        .asBoolean(),
                WAIT,
                "a wrong token is refused and asked for again");

        signIn(page, TOKEN);
        Await.until(() -> "connected".equals(text(page, "#connection")), WAIT, "the page reads /admin/events");
        Await.until(
                () -> "LIVE".equals(text(page, "tr[data-session] [data-field=state]")),
                WAIT,
                "the session the test created is shown, LIVE");
        assertThat(text(page, "tr[data-session] [data-field=upstream]")).isEqualTo("ecmwf");
        assertThat(page.evaluate("sessionStorage.getItem('watchgate.admin.token')").asString())
                .isEqualTo(TOKEN);

        // the session changes: the page follows without a reload
        page.evaluate("window.notReloaded = true");
        upstream.dropOpenStreams();
        Await.until(
                () -> page.evaluate("[...document.querySelectorAll('#log li')].some(li => li.dataset.reason"
                                + " === 'transport_error')")
                        .asBoolean(),
                WAIT,
                "the dropped connection appears in the transition log");
        upstream.awaitOpenStreams(1, WAIT);
        Await.until(
                () -> "LIVE".equals(text(page, "tr[data-session] [data-field=state]"))
                        && text(page, "tr[data-session] [data-field=last-transition]").startsWith("connected"),
                WAIT,
                "live again, shown in the row");

        int requestsBefore = upstream.watchRequests().size();
        page.evaluate("document.querySelector('tr[data-session] button[data-action=reconnect]').click()");
        upstream.awaitWatchRequests(requestsBefore + 1, WAIT);
        Await.until(
                () -> page.evaluate("[...document.querySelectorAll('#log li')].some(li => li.dataset.reason"
                                + " === 'reconnect_requested')")
                        .asBoolean(),
                WAIT,
                "the reconnect is shown");
        Await.until(
                () -> "LIVE".equals(text(page, "tr[data-session] [data-field=state]")),
                WAIT,
                "live after the reconnect");
        upstream.publishMany("mars", java.util.Map.of("class", "od"), 3);
        Await.until(
                () -> text(page, "tr[data-session] [data-field=notifications]").equals("3"),
                WAIT,
                "the next snapshot shows the notifications received");
        assertThat(text(page, "#message")).isEmpty();
        assertThat(page.evaluate("window.notReloaded === true").asBoolean()).isTrue();
    }

    private static void signIn(BrowserPage page, String token) {
        page.evaluate("document.querySelector('#token').value = '" + token + "';"
                + " document.querySelector('#sign-in').click(); true");
    }

    private static String text(BrowserPage page, String selector) {
        return page.evaluate("(document.querySelector('" + selector + "') || {textContent: ''}).textContent.trim()")
                .asString();
    }
}
