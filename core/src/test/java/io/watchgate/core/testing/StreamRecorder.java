package io.watchgate.core.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * Test client: one HTTP exchange over loopback with a plain Reactor Netty {@link HttpClient} (a new
 * connection per exchange), recording the status, the headers and every body byte as it arrives, and
 * how the body ended. Frames are split on blank lines ({@code \n\n}) only, which is how both test
 * servers write them.
 */
final class StreamRecorder implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static final HttpClient CLIENT = HttpClient.newConnection();

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Disposable subscription;
    private volatile @Nullable HttpClientResponse response;
    private volatile @Nullable Throwable error;
    private volatile boolean completed;

    private StreamRecorder(HttpClient.ResponseReceiver<?> receiver) {
        this.subscription = receiver.response((res, body) -> {
                    response = res;
                    return body.asByteArray();
                })
                .subscribe(this::append, failure -> error = failure, () -> completed = true);
    }

    /** POSTs {@code body} (as UTF-8, with a content length) with the given extra headers. */
    static StreamRecorder post(URI uri, String body, Map<String, String> headers) {
        byte[] content = body.getBytes(UTF_8);
        return new StreamRecorder(CLIENT.headers(h -> headers.forEach(h::set))
                .request(HttpMethod.POST)
                .uri(uri)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(content))));
    }

    /** POSTs {@code body}. */
    static StreamRecorder post(URI uri, String body) {
        return post(uri, body, Map.of());
    }

    /** Sends a request without a body. */
    static StreamRecorder request(HttpMethod method, URI uri, Map<String, String> headers) {
        return new StreamRecorder(
                CLIENT.headers(h -> headers.forEach(h::set)).request(method).uri(uri));
    }

    /** GETs {@code uri}. */
    static StreamRecorder get(URI uri, Map<String, String> headers) {
        return request(HttpMethod.GET, uri, headers);
    }

    private void append(byte[] chunk) {
        synchronized (bytes) {
            bytes.writeBytes(chunk);
        }
    }

    /** Waits for the response headers and returns the status code. */
    int awaitStatus() {
        Await.until(() -> response != null || error != null, TIMEOUT, "response headers arrive");
        HttpClientResponse res = response;
        if (res == null) {
            throw new AssertionError("no response: " + error, error);
        }
        return res.status().code();
    }

    /** The response headers (waits for them). */
    HttpHeaders headers() {
        awaitStatus();
        return java.util.Objects.requireNonNull(response).responseHeaders();
    }

    /** Every body byte received so far. */
    byte[] bytes() {
        synchronized (bytes) {
            return bytes.toByteArray();
        }
    }

    /** The body received so far, decoded as UTF-8 (invalid bytes replaced). */
    String text() {
        return new String(bytes(), UTF_8);
    }

    /** The complete frames received so far, each without its terminating blank line. */
    List<String> frames() {
        String text = text();
        List<String> frames = new ArrayList<>();
        int start = 0;
        for (int end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n", start)) {
            frames.add(text.substring(start, end));
            start = end + 2;
        }
        return frames;
    }

    /** The frames whose first line is {@code event: <name>}. */
    List<String> frames(String eventName) {
        return frames().stream()
                .filter(frame -> frame.startsWith("event: " + eventName + "\n"))
                .toList();
    }

    /** Waits until at least {@code n} frames have arrived; returns all frames. */
    List<String> awaitFrames(int n) {
        Await.until(() -> frames().size() >= n, TIMEOUT, () -> n + " frames; got: " + frames() + ending());
        return frames();
    }

    /** Waits until at least {@code n} frames named {@code eventName} have arrived; returns those. */
    List<String> awaitFrames(String eventName, int n) {
        Await.until(
                () -> frames(eventName).size() >= n,
                TIMEOUT,
                () -> n + " '" + eventName + "' frames; got: " + frames() + ending());
        return frames(eventName);
    }

    /** Waits until the frames received satisfy {@code condition}; returns them. */
    List<String> awaitFrames(Predicate<List<String>> condition, String description) {
        Await.until(() -> condition.test(frames()), TIMEOUT, () -> description + "; got: " + frames() + ending());
        return frames();
    }

    /** Waits until the body ends, normally or not. */
    StreamRecorder awaitEnd() {
        Await.until(() -> completed || error != null, TIMEOUT, () -> "the body ends; got: " + frames());
        return this;
    }

    /** Whether the body ended normally (the chunked body was terminated). */
    boolean completed() {
        return completed;
    }

    /** How the body failed, or null. */
    @Nullable
    Throwable error() {
        return error;
    }

    /** Whether the body has ended, normally or not. */
    boolean ended() {
        return completed || error != null;
    }

    private String ending() {
        return completed ? " (completed)" : error != null ? " (failed: " + error + ")" : " (open)";
    }

    /** Cancels the exchange, closing the connection. */
    @Override
    public void close() {
        subscription.dispose();
    }
}
