package io.watchgate.gateway.testing;

import io.watchgate.core.sse.SseComment;
import io.watchgate.core.sse.SseDecoder;
import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.sse.SseFrame;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Opens one SSE stream over real HTTP and records every event (and the status code), decoding with
 * core's SSE decoder. The JDK's HTTP client reads the stream (on its own threads, outside Reactor's),
 * so the client side of a test shares nothing with the gateway under test. {@link #close()}
 * disconnects.
 */
public final class SseRecorder implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final List<SseEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger();
    private final AtomicReference<@Nullable HttpHeaders> responseHeaders = new AtomicReference<>();
    private final AtomicInteger comments = new AtomicInteger();
    private final AtomicReference<@Nullable Throwable> error = new AtomicReference<>();
    private final AtomicReference<Flow.@Nullable Subscription> subscription = new AtomicReference<>();
    private final SseDecoder decoder = new SseDecoder();
    private volatile boolean completed;
    private volatile boolean closed;

    private SseRecorder(URI uri, Map<String, String> headers) {
        this(HttpRequest.newBuilder(uri).GET(), headers);
    }

    private SseRecorder(HttpRequest.Builder request, Map<String, String> headers) {
        request.header("Accept", "text/event-stream");
        headers.forEach(request::header);
        CLIENT.sendAsync(request.build(), info -> {
                    responseHeaders.set(info.headers());
                    status.set(info.statusCode());
                    return HttpResponse.BodySubscribers.fromSubscriber(new Reader());
                })
                .whenComplete((response, failure) -> {
                    if (failure != null) {
                        error.compareAndSet(null, failure);
                    }
                });
    }

    /** Opens a stream. */
    public static SseRecorder open(URI uri) {
        return new SseRecorder(uri, Map.of());
    }

    /** Opens a stream answered to a POST with a JSON body (aviso's watch and replay). */
    public static SseRecorder post(URI uri, String json) {
        return new SseRecorder(
                HttpRequest.newBuilder(uri)
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .header("Content-Type", "application/json"),
                Map.of());
    }

    /** Opens a stream with request headers (say {@code Last-Event-ID}). */
    public static SseRecorder open(URI uri, Map<String, String> headers) {
        return new SseRecorder(uri, headers);
    }

    private final class Reader implements Flow.Subscriber<List<ByteBuffer>> {
        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.set(s);
            if (closed) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                decoder.decode(buffer, SseRecorder.this::frame);
            }
        }

        @Override
        public void onError(Throwable failure) {
            error.compareAndSet(null, failure);
        }

        @Override
        public void onComplete() {
            completed = true;
        }
    }

    private void frame(SseFrame frame) {
        if (frame instanceof SseEvent event) {
            events.add(event);
        } else if (frame instanceof SseComment) {
            comments.incrementAndGet();
        }
    }

    /** Every event so far. */
    public List<SseEvent> events() {
        return List.copyOf(events);
    }

    /** The unnamed events (notifications) so far. */
    public List<SseEvent> notifications() {
        return events.stream().filter(e -> e.type().equals("message")).toList();
    }

    /** The events of one name so far. */
    public List<SseEvent> named(String name) {
        return events.stream().filter(e -> e.type().equals(name)).toList();
    }

    /** Comment lines (heartbeats) received so far. */
    public int comments() {
        return comments.get();
    }

    /** The response status, 0 before the headers arrived. */
    public int status() {
        return status.get();
    }

    /** A response header's first value, or {@code null} (before the headers arrived, or without it). */
    public @Nullable String header(String name) {
        HttpHeaders received = responseHeaders.get();
        return received == null ? null : received.firstValue(name).orElse(null);
    }

    /** Why the stream failed, or {@code null}. */
    public @Nullable Throwable error() {
        return closed ? null : error.get();
    }

    /** Whether the server ended the stream. */
    public boolean completed() {
        return completed || error() != null;
    }

    @Override
    public void close() {
        closed = true;
        Flow.Subscription s = subscription.get();
        if (s != null) {
            s.cancel();
        }
    }
}
