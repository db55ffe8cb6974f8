package io.watchgate.gateway.testing;

import io.watchgate.core.sse.SseDecoder;
import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.sse.SseFrame;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Opens one SSE stream over real HTTP and records every event (and the status code), decoding with
 * core's SSE decoder. {@link #close()} disconnects.
 */
public final class SseRecorder implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.create(ConnectionProvider.newConnection());

    private final List<SseEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger();
    private final AtomicReference<@Nullable Throwable> error = new AtomicReference<>();
    private volatile boolean completed;
    private final Disposable connection;

    private SseRecorder(URI uri, Map<String, String> headers) {
        SseDecoder decoder = new SseDecoder();
        this.connection = CLIENT.headers(h -> headers.forEach(h::set))
                .get()
                .uri(uri)
                .response((response, body) -> {
                    status.set(response.status().code());
                    return body.retain().doOnNext(chunk -> {
                        try {
                            decoder.decode(chunk.nioBuffer(), this::frame);
                        } finally {
                            chunk.release();
                        }
                    });
                })
                .subscribe(ignored -> {}, error::set, () -> completed = true);
    }

    /** Opens a stream. */
    public static SseRecorder open(URI uri) {
        return new SseRecorder(uri, Map.of());
    }

    /** Opens a stream with request headers (say {@code Last-Event-ID}). */
    public static SseRecorder open(URI uri, Map<String, String> headers) {
        return new SseRecorder(uri, headers);
    }

    private void frame(SseFrame frame) {
        if (frame instanceof SseEvent event) {
            events.add(event);
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

    /** The response status, 0 before the headers arrived. */
    public int status() {
        return status.get();
    }

    /** Whether the server ended the stream. */
    public boolean completed() {
        return completed || error.get() != null;
    }

    @Override
    public void close() {
        connection.dispose();
    }

    /** A default wait for streams in tests. */
    public static final Duration WAIT = Duration.ofSeconds(20);
}
