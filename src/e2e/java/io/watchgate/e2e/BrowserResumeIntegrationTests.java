package io.watchgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.watchgate.core.testing.Await;
import io.watchgate.e2e.BrowserPage.HeldRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A real browser against the packaged gateway: headless Chromium opens {@code new
 * EventSource('/watch/local?event_type=demo')}, receives published notifications, and after the
 * gateway is stopped (SIGTERM) and started again reconnects by itself with {@code Last-Event-ID} and
 * receives the notifications it missed exactly once, then live ones.
 *
 * <p>Needs Chromium ({@code apt-get install -y chromium}) and {@code gateway/target/watchgate-gateway.jar}
 * (Failsafe runs it after {@code package}); {@code -Dwatchgate.e2e.skip=true} skips it. The gateways'
 * and Chromium's output, and on failure a screenshot and the page's event log, are written to
 * {@code gateway/target/e2e}.
 */
class BrowserResumeIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String WATCH = "/watch/local?event_type=demo";

    /**
     * The page's script: records each message as "lastEventId cloudEventId" in {@code
     * window.received}, counts the stream's open, error and closing events, and logs everything (shown
     * on the page for a screenshot).
     */
    private static final String PAGE_SCRIPT = """
            (() => {
              window.received = [];
              window.counts = {open: 0, error: 0, closing: 0};
              window.log = [];
              const view = document.createElement('pre');
              document.body.replaceChildren(view);
              const note = (line) => {
                window.log.push(Math.round(performance.now()) + ' ms ' + line);
                view.textContent = window.log.join('\\n');
              };
              const events = new EventSource('%s');
              window.events = events;
              events.onopen = () => { window.counts.open++; note('open'); };
              events.onerror = () => { window.counts.error++; note('error, readyState ' + events.readyState); };
              events.addEventListener('closing', (e) => { window.counts.closing++; note('closing ' + e.data); });
              events.onmessage = (e) => {
                const entry = e.lastEventId + ' ' + JSON.parse(e.data).id;
                window.received.push(entry);
                note('message ' + entry);
              };
              return 'started';
            })()
            """.formatted(WATCH);

    @TempDir
    Path temp;

    private final Path artifacts = Path.of(System.getProperty("watchgate.e2e.artifacts", "target/e2e"));
    private final Path jar = Path.of(System.getProperty("watchgate.e2e.jar", "target/watchgate-gateway.jar"));

    @Test
    void anEventSourceResumesAfterAGatewayRestartWithoutLossOrDuplicates() throws Exception {
        assumeFalse(Boolean.getBoolean("watchgate.e2e.skip"), "-Dwatchgate.e2e.skip=true: browser test skipped");
        Files.createDirectories(artifacts);
        Files.deleteIfExists(artifacts.resolve("page.png"));
        Files.deleteIfExists(artifacts.resolve("page-log.txt"));
        try (Chromium chromium = Chromium.start(temp.resolve("profile"), artifacts.resolve("chromium.log"), WAIT);
                GatewayProcess first = gateway(1, 0)) {
            BrowserPage page = BrowserPage.open(chromium.devTools());
            try {
                resumeAcrossARestart(page, first);
            } catch (Throwable failure) {
                saveArtifacts(page, failure);
                throw failure;
            }
        }
    }

    private void resumeAcrossARestart(BrowserPage page, GatewayProcess first) {
        // A document of the gateway's origin (its 404 answer will do): the relative URL needs no CORS.
        page.navigate(first.origin() + "/e2e", WAIT);
        page.holdRequests("*" + WATCH);
        page.evaluate(PAGE_SCRIPT);
        HeldRequest connect = page.nextHeldRequest(WAIT);
        assertThat(connect.url()).isEqualTo(first.origin() + WATCH);
        page.release(connect);
        Map<String, String> firstHeaders = page.sentHeaders(connect, WAIT);
        assertThat(firstHeaders.get("Last-Event-ID"))
                .as("the first connection's Last-Event-ID (headers %s)", firstHeaders)
                .isNull();
        Await.until(() -> counts(page).open() == 1, WAIT, "the stream opened");

        for (int n = 1; n <= 3; n++) {
            first.publishDemo(n);
        }
        Await.until(() -> received(page).size() == 3, WAIT, () -> "three notifications, got " + received(page));

        first.stop(); // SIGTERM
        Await.until(
                () -> counts(page).closing() == 1 && counts(page).error() == 1,
                WAIT,
                () -> "the browser was told of the shutdown and saw its stream end: " + counts(page));
        // The gateway is down: the browser retries by itself (the stream said "retry: 2000") and is refused.
        page.release(page.nextHeldRequest(WAIT));
        Await.until(() -> counts(page).error() == 2, WAIT, () -> "a refused reconnection: " + counts(page));

        try (GatewayProcess second = gateway(2, first.port())) {
            // The browser's next attempt is held, so these two are published before it is back: missed.
            second.publishDemo(4);
            second.publishDemo(5);
            HeldRequest reconnect = page.nextHeldRequest(WAIT);
            assertThat(reconnect.url()).isEqualTo(second.origin() + WATCH);
            page.release(reconnect);
            Map<String, String> headers = page.sentHeaders(reconnect, WAIT);
            assertThat(headers.get("Last-Event-ID"))
                    .as("the reconnection's Last-Event-ID (headers %s)", headers)
                    .isEqualTo("3");
            page.stopHoldingRequests();
            Await.until(() -> received(page).size() == 5, WAIT, () -> "the two missed ones, got " + received(page));
            second.publishDemo(6);
            Await.until(() -> received(page).size() == 6, WAIT, () -> "a live one, got " + received(page));
            // exactly once: nothing else comes (heartbeats, every second here, are comments, not messages)
            Await.holdsFor(Duration.ofMillis(1500), () -> received(page).size() == 6, "no duplicate arrives");

            assertThat(received(page))
                    .as("gateway cursor and CloudEvent id of each message, in order")
                    .containsExactly("1 demo@1", "2 demo@2", "3 demo@3", "4 demo@4", "5 demo@5", "6 demo@6");
            // The same document and EventSource throughout (a reload would have lost 1-3): it reconnected by itself.
            assertThat(counts(page)).isEqualTo(new Counts(2, 2, 1, 1));
        }
    }

    private GatewayProcess gateway(int run, int port) {
        Map<String, String> properties = Map.of(
                "watchgate.store.url",
                "r2dbc:h2:file:///" + temp.resolve("store").toAbsolutePath(),
                "watchgate.fanout.heartbeat-interval",
                "1s");
        return GatewayProcess.start(
                jar, temp.resolve("gateway"), artifacts.resolve("gateway-" + run + ".log"), port, properties, WAIT);
    }

    private static List<String> received(BrowserPage page) {
        List<String> received = new ArrayList<>();
        page.evaluate("window.received").forEach(value -> received.add(value.asString()));
        return received;
    }

    private static Counts counts(BrowserPage page) {
        JsonNode counts = page.evaluate("({...window.counts, readyState: window.events.readyState})");
        return new Counts(
                counts.get("open").asInt(),
                counts.get("error").asInt(),
                counts.get("closing").asInt(),
                counts.get("readyState").asInt());
    }

    private void saveArtifacts(BrowserPage page, Throwable failure) {
        try {
            page.screenshot(artifacts.resolve("page.png"));
            List<String> log = new ArrayList<>();
            page.evaluate("window.log ?? []").forEach(line -> log.add(line.asString()));
            Files.write(artifacts.resolve("page-log.txt"), log);
            failure.addSuppressed(new AssertionError("screenshot, page log and process output in "
                    + artifacts.toAbsolutePath()));
        } catch (Exception | AssertionError e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * What the page's EventSource went through.
     *
     * @param open its open events
     * @param error its error events (one per drop or refused attempt)
     * @param closing the gateway's {@code closing} events
     * @param readyState its readyState now (1: open)
     */
    private record Counts(int open, int error, int closing, int readyState) {}
}
