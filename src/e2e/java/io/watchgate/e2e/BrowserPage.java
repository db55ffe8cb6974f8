package io.watchgate.e2e;

import io.watchgate.core.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * One browser tab driven over DevTools: navigates, runs scripts, and can hold the requests it makes
 * (Fetch interception) so that a test decides when they reach the network and sees their headers.
 */
final class BrowserPage {

    private final DevTools devTools;
    private final String session;

    private BrowserPage(DevTools devTools, String session) {
        this.devTools = devTools;
        this.session = session;
    }

    /** Opens a new blank tab. */
    static BrowserPage open(DevTools devTools) {
        String target = devTools.send(null, "Target.createTarget", Map.of("url", "about:blank"))
                .get("targetId")
                .asString();
        String session = devTools.send(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                .get("sessionId")
                .asString();
        return new BrowserPage(devTools, session);
    }

    /** Navigates to {@code url} and waits until that document has loaded. */
    void navigate(String url, Duration timeout) {
        JsonNode navigation = devTools.send(session, "Page.navigate", Map.of("url", url));
        if (navigation.hasNonNull("errorText")) {
            throw new AssertionError("cannot load " + url + ": " + navigation.get("errorText"));
        }
        Await.until(() -> loaded(url), timeout, "the page " + url + " loaded");
    }

    private boolean loaded(String url) {
        try {
            return evaluate("document.readyState + ' ' + location.href")
                    .asString()
                    .equals("complete " + url);
        } catch (IllegalStateException stillNavigating) { // "Execution context was destroyed"
            return false;
        }
    }

    /** Evaluates JavaScript in the page and returns its value (as JSON). */
    JsonNode evaluate(String expression) {
        JsonNode result = devTools.send(
                session, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("script failed: " + result.get("exceptionDetails"));
        }
        return result.get("result").path("value");
    }

    /**
     * From now on, holds every request of the page whose URL matches {@code urlPattern} (a DevTools
     * pattern: {@code *} any characters) before it is sent, until {@link #release} is called for it,
     * and records the headers each request really sends (see {@link #sentHeaders}).
     */
    void holdRequests(String urlPattern) {
        devTools.send(session, "Network.enable", Map.of());
        devTools.send(
                session,
                "Fetch.enable",
                Map.of("patterns", List.of(Map.of("urlPattern", urlPattern, "requestStage", "Request"))));
    }

    /** Stops holding requests (the ones held and not released yet are let through). */
    void stopHoldingRequests() {
        devTools.send(session, "Fetch.disable", Map.of());
    }

    /** Waits for the next held request, in the order the page made them. */
    HeldRequest nextHeldRequest(Duration timeout) {
        JsonNode paused = devTools.nextEvent("Fetch.requestPaused", timeout);
        return new HeldRequest(
                paused.get("requestId").asString(),
                paused.path("networkId").asString(),
                paused.path("request").path("url").asString());
    }

    /** Lets a held request go to the network unchanged. */
    void release(HeldRequest request) {
        devTools.send(session, "Fetch.continueRequest", Map.of("requestId", request.id()));
    }

    /**
     * The headers a released request sent over the wire, as the network stack reports them (they
     * include the ones the browser adds below the page, such as an EventSource's {@code
     * Last-Event-ID}); names compared ignoring case.
     */
    Map<String, String> sentHeaders(HeldRequest request, Duration timeout) {
        JsonNode sent;
        do {
            sent = devTools.nextEvent("Network.requestWillBeSentExtraInfo", timeout);
        } while (!sent.path("requestId").asString().equals(request.networkId()));
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        sent.path("headers").properties().forEach(header -> headers.put(
                header.getKey(), header.getValue().asString()));
        return headers;
    }

    /** Sets the size of the page's viewport (for screenshots). */
    void resize(int width, int height) {
        devTools.send(
                session,
                "Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    }

    /** Saves a PNG screenshot of the page. */
    void screenshot(Path file) {
        String png = devTools.send(session, "Page.captureScreenshot", Map.of("format", "png"))
                .get("data")
                .asString();
        try {
            Files.write(file, Base64.getDecoder().decode(png));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A request the page made, held before it was sent.
     *
     * @param id its id in the DevTools Fetch domain
     * @param networkId its id in the DevTools Network domain
     * @param url its URL
     */
    record HeldRequest(String id, String networkId, String url) {}
}
