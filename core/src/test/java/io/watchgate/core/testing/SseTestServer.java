package io.watchgate.core.testing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A minimal generic Server-Sent-Events upstream for tests, on Reactor Netty bound to {@code
 * 127.0.0.1} on a free port.
 *
 * <p>{@code GET /events/{channel}} answers {@code 200 text/event-stream} and streams, in order:
 *
 * <ol>
 *   <li>{@code retry: <ms>\n\n} when {@link #retry(Duration)} is set;
 *   <li>every stored event of the channel whose id is greater than the {@code Last-Event-ID} request
 *       header (all of them without the header, or when it is not a number);
 *   <li>live events as they are published;
 * </ol>
 *
 * <p>with {@code : hb\n\n} comments every {@link #heartbeatInterval(Duration)} (the first one after
 * one interval). An event is {@code id: <n>\n}, then {@code event: <name>\n} when it has a name, then
 * one {@code data: } line per line of its data, then a blank line. Ids are numeric per channel and
 * start at 1. The body never ends by itself.
 *
 * <p>Every response carries a fresh {@code X-Request-ID}. Any other path gets 404, another method
 * 405, with an empty body. Thread-safe; {@link #close()}
 * and the {@code await...} methods block and belong on the test thread.
 */
public final class SseTestServer implements AutoCloseable {

    /** The path prefix of the event streams; the rest of the path is the channel name. */
    public static final String EVENTS_PATH = "/events/";

    private static final Pattern NEWLINE = Pattern.compile("\r\n|\r|\n");

    private final Object lock = new Object();
    private final DisposableServer server;
    private final URI baseUri;
    /** Own timers, so that a test's virtual time never freezes heartbeats. */
    private final Scheduler timers = Schedulers.newSingle("sse-test-server-timer", true);

    private volatile Duration heartbeatInterval = Duration.ofSeconds(30);
    private volatile @Nullable Duration retry;

    // Guarded by lock.
    private final Map<String, List<Event>> history = new HashMap<>();
    private final Set<ChannelStream> streams = new LinkedHashSet<>();
    private final FaultQueue faults = new FaultQueue();
    private int dropEvery;
    private @Nullable String requiredToken;

    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger stallCountdown = new AtomicInteger();

    private SseTestServer() {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(this::handle)
                .bindNow(Duration.ofSeconds(10));
        this.baseUri = URI.create("http://127.0.0.1:" + server.port());
    }

    /** Starts a server: heartbeat comments every 30 s, no {@code retry:} line, no auth. */
    public static SseTestServer start() {
        return new SseTestServer();
    }

    /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
    public URI baseUri() {
        return baseUri;
    }

    /** The stream of {@code channel}: {@code <base>/events/<channel>} (percent-encoded). */
    public URI eventsUri(String channel) {
        return baseUri.resolve(
                EVENTS_PATH + URLEncoder.encode(channel, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    /** Sets the interval of {@code : hb} comments for streams opened from now on; zero turns them off. */
    public SseTestServer heartbeatInterval(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("heartbeat interval must not be negative: " + interval);
        }
        this.heartbeatInterval = interval;
        return this;
    }

    /** Starts streams opened from now on with {@code retry: <millis>}; null (the default) omits it. */
    public SseTestServer retry(@Nullable Duration retry) {
        this.retry = retry;
        return this;
    }

    /**
     * Requires {@code Authorization: Bearer <token>} from now on (401 with {@code WWW-Authenticate:
     * Bearer} otherwise); null turns it off.
     */
    public SseTestServer requireBearer(@Nullable String token) {
        synchronized (lock) {
            requiredToken = token;
        }
        return this;
    }

    /** Stores an unnamed event and sends it to the open streams of {@code channel}; returns its id. */
    public long publish(String channel, String data) {
        return publish(channel, null, data);
    }

    /**
     * Stores an event and sends it to the open streams of {@code channel}.
     *
     * @param event the {@code event:} name, or null for an unnamed ("message") event
     * @param data the data; each line becomes one {@code data:} line
     * @return its id: 1 for the first event of the channel, then 2, 3, …
     */
    public long publish(String channel, @Nullable String event, String data) {
        synchronized (lock) {
            List<Event> events = history.computeIfAbsent(channel, c -> new ArrayList<>());
            long id = events.size() + 1L;
            Event stored = new Event(id, frame(id, event, data));
            events.add(stored);
            for (ChannelStream stream : streams) {
                if (stream.channel.equals(channel) && !stream.io.isStalled()) {
                    stream.io.offer(stored.frame);
                }
            }
            return id;
        }
    }

    /** The last id published on {@code channel}, or 0. */
    public long lastId(String channel) {
        synchronized (lock) {
            return history.getOrDefault(channel, List.of()).size();
        }
    }

    /**
     * The next {@code n} stream requests get {@code status} with {@code
     * {"error":"injected failure","status":<status>}} and, when given, {@code Retry-After}. Connection
     * faults ({@code failNext}, {@link #stallNext}, {@link #dropAfter}) are consumed in the order they
     * were armed.
     */
    public SseTestServer failNext(int n, int status, @Nullable String retryAfter) {
        requireNonNegative(n);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be 4xx or 5xx: " + status);
        }
        synchronized (lock) {
            faults.add(new FaultQueue.Fail(status, retryAfter), n);
        }
        return this;
    }

    /**
     * The next stream sends {@code n} events (heartbeats and the retry line do not count), waits until
     * they are flushed, then closes the TCP connection without ending the chunked body; {@code 0}
     * closes right after the headers.
     */
    public SseTestServer dropAfter(int n) {
        requireNonNegative(n);
        synchronized (lock) {
            faults.add(new FaultQueue.Drop(n), 1);
        }
        return this;
    }

    /** Like {@link #dropAfter(int)} for every stream from now on; {@code 0} turns it off. */
    public SseTestServer dropEvery(int n) {
        requireNonNegative(n);
        synchronized (lock) {
            dropEvery = n;
        }
        return this;
    }

    /** The next {@code n} streams send their headers, then nothing at all, and stay open. */
    public SseTestServer stallNext(int n) {
        requireNonNegative(n);
        synchronized (lock) {
            faults.add(new FaultQueue.Stall(), n);
        }
        return this;
    }

    /**
     * Once {@code events} more events have been written (over all streams from now on), the stream
     * that wrote the last of them goes silent while staying open. One-shot; {@code 0} disarms it.
     */
    public SseTestServer stallAfter(int events) {
        requireNonNegative(events);
        stallCountdown.set(events);
        return this;
    }

    /** Turns off every fault switch. */
    public SseTestServer clearFaults() {
        stallCountdown.set(0);
        synchronized (lock) {
            faults.clear();
            dropEvery = 0;
        }
        return this;
    }

    /** Closes the TCP connection of every open stream now; returns how many. */
    public int dropOpenStreams() {
        List<ChannelStream> open;
        synchronized (lock) {
            open = List.copyOf(streams);
        }
        open.forEach(stream -> stream.io.drop());
        return open.size();
    }

    /** Ends the body of every open, non-stalled stream normally (a clean end of stream); returns how many. */
    public int closeOpenStreams() {
        synchronized (lock) {
            int closed = 0;
            for (ChannelStream stream : streams) {
                if (!stream.io.isStalled()) {
                    stream.io.close(new Frame(new byte[0], Frame.Kind.CLOSING));
                    closed++;
                }
            }
            return closed;
        }
    }

    /** Every request received so far, in arrival order (a snapshot). */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** The number of streams opened (status 200) since start. */
    public int connectionCount() {
        return connections.get();
    }

    /** The number of streams open now, stalled ones included. */
    public int openStreams() {
        synchronized (lock) {
            return streams.size();
        }
    }

    /** Waits until exactly {@code n} streams are open. */
    public void awaitOpenStreams(int n, Duration timeout) {
        Await.until(() -> openStreams() == n, timeout, () -> n + " open streams (now " + openStreams() + ")");
    }

    /** Waits until at least {@code n} streams have been opened since start. */
    public void awaitConnectionCount(int n, Duration timeout) {
        Await.until(() -> connectionCount() >= n, timeout, () -> n + " connections (now " + connectionCount() + ")");
    }

    /** Waits until at least {@code n} requests have been received. */
    public void awaitRequests(int n, Duration timeout) {
        Await.until(() -> requests.size() >= n, timeout, () -> n + " requests (now " + requests.size() + ")");
    }

    /** Drops every open stream and stops the server (blocks up to a few seconds). */
    @Override
    public void close() {
        dropOpenStreams();
        server.disposeNow(Duration.ofSeconds(5));
        timers.dispose();
    }

    // ---------------------------------------------------------------------------------------------

    private record Event(long id, Frame frame) {}

    private static final class ChannelStream {
        final OpenStream io;
        final String channel;

        ChannelStream(OpenStream io, String channel) {
            this.io = io;
            this.channel = channel;
        }
    }

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        String requestId = TestIds.uuid();
        response.header("X-Request-ID", requestId);
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.rawPath();
        return request.receive().then(Mono.defer(() -> {
            if (!uri.path().startsWith(EVENTS_PATH) || uri.path().length() == EVENTS_PATH.length()) {
                record(request, path, requestId, 404);
                return response.status(404).send();
            }
            if (!request.method().equals(HttpMethod.GET)) {
                record(request, path, requestId, 405);
                return response.status(405).send();
            }
            return stream(request, response, path, requestId, uri.path().substring(EVENTS_PATH.length()));
        }));
    }

    private Mono<Void> stream(
            HttpServerRequest request, HttpServerResponse response, String path, String requestId, String channel) {
        String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        long lastEventId = parseLastEventId(request.requestHeaders().get("Last-Event-ID"));
        ChannelStream stream;
        List<Frame> backlog = new ArrayList<>();
        synchronized (lock) {
            FaultQueue.Fail fail = faults.pollFailure();
            if (fail != null) {
                int status = fail.status();
                String retryAfter = fail.retryAfter();
                record(request, path, requestId, status);
                if (retryAfter != null) {
                    response.header(HttpHeaderNames.RETRY_AFTER, retryAfter);
                }
                return sendJson(response, status, "{\"error\":\"injected failure\",\"status\":" + status + "}");
            }
            String token = requiredToken;
            if (token != null && !Objects.equals(authorization, "Bearer " + token)) {
                record(request, path, requestId, 401);
                response.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                return sendJson(response, 401, "{\"error\":\"unauthorized\",\"status\":401}");
            }
            FaultQueue.Fault fault = faults.pollStreamFault();
            int drop = fault instanceof FaultQueue.Drop(int after) ? after : dropEvery > 0 ? dropEvery : -1;
            boolean stalled = fault instanceof FaultQueue.Stall;
            stream = new ChannelStream(new OpenStream(drop, stalled, stallCountdown), channel);
            streams.add(stream);
            connections.incrementAndGet();
            for (Event event : history.getOrDefault(channel, List.of())) {
                if (event.id > lastEventId) {
                    backlog.add(event.frame);
                }
            }
            record(request, path, requestId, 200);
        }
        Duration interval = heartbeatInterval;
        Duration retryDelay = retry;
        Flux<Frame> heartbeats = interval.isZero()
                ? Flux.never()
                : Flux.interval(interval, interval, timers)
                        .onBackpressureDrop()
                        .map(tick -> Frame.text(": hb\n\n", Frame.Kind.CONTROL));
        Flux<Frame> retryLine = retryDelay == null
                ? Flux.empty()
                : Flux.just(Frame.text("retry: " + retryDelay.toMillis() + "\n\n", Frame.Kind.CONTROL));
        Flux<Frame> frames = Flux.concat(
                        retryLine, Flux.merge(heartbeats, Flux.concat(Flux.fromIterable(backlog), stream.io.live())))
                .mergeWith(stream.io.closing())
                .takeUntil(frame -> frame.kind() == Frame.Kind.CLOSING);
        response.status(200)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        return stream.io.respond(response, frames).doFinally(signal -> {
            synchronized (lock) {
                streams.remove(stream);
            }
        });
    }

    private static long parseLastEventId(@Nullable String header) {
        if (header == null) {
            return 0;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Frame frame(long id, @Nullable String event, String data) {
        StringBuilder text = new StringBuilder("id: ").append(id).append('\n');
        if (event != null) {
            text.append("event: ").append(event).append('\n');
        }
        for (String line : NEWLINE.split(data, -1)) {
            text.append("data: ").append(line).append('\n');
        }
        return Frame.text(text.append('\n').toString(), Frame.Kind.NOTIFICATION);
    }

    private void record(HttpServerRequest request, String path, String requestId, int status) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.requestHeaders()
                .forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + ", " + b));
        requests.add(new RecordedRequest(
                request.method().name(), path, headers, "", Map.of(), requestId, status, Instant.now()));
    }

    private static Mono<Void> sendJson(HttpServerResponse response, int status, String json) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(json))
                .then();
    }

    private static void requireNonNegative(int value) {
        if (value < 0) {
            throw new IllegalArgumentException("must not be negative: " + value);
        }
    }
}
