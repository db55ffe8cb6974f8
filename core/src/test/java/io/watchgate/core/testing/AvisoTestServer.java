package io.watchgate.core.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * An in-process emulator of ECMWF aviso-server 0.7.1 for tests, on Reactor Netty bound to
 * {@code 127.0.0.1} on a free port. It follows {@code aviso-protocol.md} §1–§4: the same endpoints,
 * request validation and error bodies, SSE framing, control frames, CloudEvent envelope and stream
 * shapes, and adds switches that inject the faults of §11.
 *
 * <h2>Endpoints</h2>
 *
 * <ul>
 *   <li>{@code POST /api/v1/watch}: live only (shape A: {@code connection_established}, heartbeats,
 *       {@code live-notification}s), or with {@code from_id}/{@code from_date} replay then live
 *       (shape B: {@code replay_started}, {@code replay}s, {@code replay_completed}, live; heartbeats
 *       throughout). Ends with {@code connection-closing} {@code max_duration_reached} after {@link
 *       #maxDuration(Duration)}.
 *   <li>{@code POST /api/v1/replay}: history only (shape C: {@code replay_started}, {@code replay}s,
 *       {@code replay_completed}, {@code connection-closing} {@code end_of_stream}); no heartbeats.
 *   <li>{@code POST /api/v1/notification}: publishes like {@link #publish}; answers {@code
 *       {"processed_at","request_id","status":"success"}} without the sequence (as aviso).
 *   <li>{@code GET /health}: {@code {"status":"ok"}}.
 *   <li>{@code POST /oauth/token}: an OAuth2 client-credentials token endpoint (not part of aviso;
 *       see {@link #requireBearer(Duration)}).
 * </ul>
 *
 * <p>Every response carries a fresh {@code X-Request-ID}; an unknown path gets 404 and a wrong method
 * 405, both with an empty body (aviso's framework answers are not JSON either).
 *
 * <h2>Emulation choices</h2>
 *
 * <ul>
 *   <li>Every event type is accepted; there are no schemas. The CloudEvent {@code data.identifier}
 *       holds every published key with its value as a string (numbers canonical: {@code 4.0} →
 *       {@code "4"}), and the {@code topic} of control frames is the event type followed by the
 *       watched values in key order, {@code *} for a constraint (aviso's generic mode).
 *   <li><b>Sequences</b>: one counter per event type, the first notification of a type gets 1 (like
 *       aviso's JetStream backend, one stream per type). {@link #resetSequences()} emulates a restart.
 *   <li><b>History</b>: every notification is kept (no "latest per topic" retention) until {@link
 *       #resetSequences()}. Stored times come from {@link #clock(Clock)} and are made strictly
 *       increasing (a tie gets 1 ns more), so {@code from_date} boundaries are exact.
 *   <li>The live subscription of a watch is registered before its history is read, as in aviso, so a
 *       notification published in between arrives both as {@code replay} and as {@code
 *       live-notification}.
 *   <li>Replay is sent at once (no 100 ms batch delay); {@code batch_size} is reported as {@value
 *       #REPLAY_BATCH_SIZE}.
 *   <li>Configuration and fault switches are read when a connection opens, so they apply to the
 *       following connections; the methods that act on open streams say so.
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} and the {@code await...} methods block and belong on the test
 * thread; everything else never blocks.
 */
public final class AvisoTestServer implements AutoCloseable {

    /** Deliberately broken frames for {@link #emitMalformed(Malformed)}. */
    public enum Malformed {
        /** A {@code live-notification} whose data line is the text <code>&#123;not json</code>. */
        BAD_JSON,
        /** A {@code live-notification} whose data line holds the invalid UTF-8 bytes {@code 0xC3 0x28}. */
        INVALID_UTF8,
        /**
         * A {@code live-notification} whose data line ({@code data: {"padding":"xxx…"}}, without the
         * newline) is exactly {@link #overlongLineBytes(int)} bytes long (2 MiB by default).
         */
        OVERLONG_LINE
    }

    /** The default client id expected by {@code POST /oauth/token}. */
    public static final String DEFAULT_CLIENT_ID = "watchgate";

    /** The default client secret expected by {@code POST /oauth/token}. */
    public static final String DEFAULT_CLIENT_SECRET = "watchgate-secret";

    /** The number of replayed notifications re-sent by {@link #duplicateAtHandover(boolean)}. */
    public static final int HANDOVER_DUPLICATES = 3;

    /** The {@code batch_size} reported in {@code replay_started}. */
    public static final int REPLAY_BATCH_SIZE = 100;

    /** The path of the watch endpoint. */
    public static final String WATCH_PATH = "/api/v1/watch";

    /** The path of the replay endpoint. */
    public static final String REPLAY_PATH = "/api/v1/replay";

    /** The path of the notify endpoint. */
    public static final String NOTIFICATION_PATH = "/api/v1/notification";

    /** The path of the client-credentials token endpoint. */
    public static final String TOKEN_PATH = "/oauth/token";

    /** The path of the health endpoint. */
    public static final String HEALTH_PATH = "/health";

    private static final int MAX_BODY_BYTES = 256 * 1024;
    private static final AtomicBoolean WARMED_UP = new AtomicBoolean();
    private static final String REASON_END_OF_STREAM = "end_of_stream";
    private static final String REASON_MAX_DURATION = "max_duration_reached";

    private enum Mode {
        LIVE,
        WATCH_REPLAY,
        REPLAY
    }

    private final Object lock = new Object();
    private final DisposableServer server;
    private final URI baseUri;
    /** Own timers, so that a test's virtual time never freezes heartbeats or the maximum duration. */
    private final Scheduler timers = Schedulers.newParallel("aviso-test-server-timer", 2, true);

    private volatile Duration heartbeatInterval = Duration.ofSeconds(30);
    private volatile Duration maxDuration = Duration.ofHours(1);
    private volatile Clock clock = Clock.systemUTC();
    private volatile String source = "http://localhost";
    private volatile int overlongLineBytes = 2 * 1024 * 1024;

    // Guarded by lock.
    private final Map<String, Long> lastSequences = new HashMap<>();
    private final List<Stored> history = new ArrayList<>();
    private final Set<WatchStream> streams = new LinkedHashSet<>();
    private @Nullable Instant lastStoredTime;
    private long pendingSkip;
    private final FaultQueue faults = new FaultQueue();
    private int dropEvery;
    private int handoverDuplicates;
    private int replayErrorAfterNext = -1;
    private int replayLimit;
    private int liveDropsRemaining;
    private final List<Frame> pendingMalformed = new ArrayList<>();
    private boolean authRequired;
    private Duration tokenLifetime = Duration.ofHours(1);
    private String clientId = DEFAULT_CLIENT_ID;
    private String clientSecret = DEFAULT_CLIENT_SECRET;
    private final Map<String, Instant> issuedTokens = new HashMap<>();
    private final Set<String> staticTokens = new HashSet<>();
    private int tokenFailuresRemaining;
    private int tokenFailureStatus;

    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger tokenRequestCount = new AtomicInteger();
    private final AtomicInteger stallCountdown = new AtomicInteger();

    private AvisoTestServer() {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(this::handle)
                .bindNow(Duration.ofSeconds(10));
        this.baseUri = URI.create("http://127.0.0.1:" + server.port());
    }

    /**
     * Starts a server with the defaults: heartbeats every 30 s, maximum watch duration 1 h, no auth.
     *
     * <p>The first call in a JVM first runs one replay and one watch against a throwaway server (about a
     * second), so that class loading and JIT warm-up (slow under BlockHound) do not delay the first
     * real connection beyond a client's short heartbeat budget.
     */
    public static AvisoTestServer start() {
        if (WARMED_UP.compareAndSet(false, true)) {
            warmUp();
        }
        return new AvisoTestServer();
    }

    private static void warmUp() {
        try (AvisoTestServer scratch = new AvisoTestServer()) {
            scratch.heartbeatInterval(Duration.ofMillis(10));
            scratch.publishMany("warm_up", Map.of("class", "od", "step", 1), 3);
            HttpClient client = HttpClient.newConnection();
            client.post()
                    .uri(scratch.uri(REPLAY_PATH))
                    .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(
                            "{\"event_type\":\"warm_up\",\"identifier\":{\"step\":{\"gte\":1}},\"from_id\":\"1\"}"
                                    .getBytes(UTF_8))))
                    .responseContent()
                    .aggregate()
                    .asString()
                    .block(Duration.ofSeconds(10));
            client.post()
                    .uri(scratch.uri(WATCH_PATH))
                    .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(
                            "{\"event_type\":\"warm_up\",\"identifier\":{\"class\":\"od\"},\"from_date\":\"0\"}"
                                    .getBytes(UTF_8))))
                    .responseContent()
                    .take(Duration.ofMillis(100))
                    .then()
                    .block(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            // Best effort: a failed warm-up only costs time later.
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Configuration

    /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
    public URI baseUri() {
        return baseUri;
    }

    /** {@code path} resolved against {@link #baseUri()}, for example {@code uri(WATCH_PATH)}. */
    public URI uri(String path) {
        return baseUri.resolve(path);
    }

    /** The client-credentials token endpoint, {@code <base>/oauth/token}. */
    public URI tokenUri() {
        return uri(TOKEN_PATH);
    }

    /**
     * Sets the heartbeat interval of watch streams opened from now on (default 30 s). The first
     * heartbeat is sent immediately after the opening control frame, as aviso does.
     */
    public AvisoTestServer heartbeatInterval(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive: " + interval);
        }
        this.heartbeatInterval = interval;
        return this;
    }

    /**
     * Sets the maximum duration of watch streams opened from now on (default 1 h), after which they get
     * {@code connection-closing} {@code max_duration_reached}. {@code connection_will_close_in_seconds}
     * reports it rounded up to whole seconds.
     */
    public AvisoTestServer maxDuration(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("max duration must be positive: " + duration);
        }
        this.maxDuration = duration;
        return this;
    }

    /**
     * Sets the clock for stored notification times, control-frame timestamps and token expiry
     * (default: the UTC system clock). A {@link MutableClock} makes every timestamp exact.
     */
    public AvisoTestServer clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
        return this;
    }

    /** Sets the CloudEvent {@code source} and {@code dataschema} base (default {@code http://localhost}). */
    public AvisoTestServer source(String baseUrl) {
        this.source = Objects.requireNonNull(baseUrl);
        return this;
    }

    /** Sets the length of the {@link Malformed#OVERLONG_LINE} data line in bytes (default 2 MiB). */
    public AvisoTestServer overlongLineBytes(int bytes) {
        if (bytes < 32) {
            throw new IllegalArgumentException("an overlong line needs at least 32 bytes: " + bytes);
        }
        this.overlongLineBytes = bytes;
        return this;
    }

    // ---------------------------------------------------------------------------------------------
    // Publishing

    /**
     * Stores a notification and delivers it as {@code live-notification} to every open watch whose
     * event type and identifier filter match.
     *
     * @param eventType the event type, also the CloudEvent id prefix ({@code <eventType>@<sequence>})
     * @param identifier the identifier; values are strings, numbers or booleans and are stored as
     *     strings
     * @param payload any value Jackson can write (kept as a JSON tree); {@code null} gives {@code
     *     "payload":null}
     * @return the sequence assigned (per event type, starting at 1)
     * @throws IllegalArgumentException for a blank event type or a non-scalar identifier value
     */
    public long publish(String eventType, Map<String, ?> identifier, @Nullable Object payload) {
        if (eventType.isBlank()) {
            throw new IllegalArgumentException("event type must not be blank");
        }
        SortedMap<String, String> values = new TreeMap<>();
        identifier.forEach((key, value) -> values.put(key, IdentifierFilter.scalarText(key, value)));
        Object tree = payload == null ? null : TestJson.MAPPER.convertValue(payload, Object.class);
        synchronized (lock) {
            return store(eventType, values, tree);
        }
    }

    /**
     * Publishes {@code count} notifications with the same identifier, atomically (consecutive
     * sequences); the payload of each is its 1-based index in this batch.
     *
     * @return the sequences assigned, in order
     */
    public List<Long> publishMany(String eventType, Map<String, ?> identifier, int count) {
        if (eventType.isBlank()) {
            throw new IllegalArgumentException("event type must not be blank");
        }
        SortedMap<String, String> values = new TreeMap<>();
        identifier.forEach((key, value) -> values.put(key, IdentifierFilter.scalarText(key, value)));
        List<Long> sequences = new ArrayList<>(count);
        synchronized (lock) {
            for (int i = 1; i <= count; i++) {
                sequences.add(store(eventType, values, i));
            }
        }
        return List.copyOf(sequences);
    }

    /** The last sequence assigned for {@code eventType}, or 0 if none since start or the last reset. */
    public long lastSequence(String eventType) {
        synchronized (lock) {
            return lastSequences.getOrDefault(eventType, 0L);
        }
    }

    /**
     * Emulates an upstream restart of the sequence store: every counter goes back so that the next
     * notification of each type gets 1, and the history is cleared. Open streams stay open (see {@link
     * #simulateRestart()}).
     */
    public void resetSequences() {
        synchronized (lock) {
            lastSequences.clear();
            history.clear();
            pendingSkip = 0;
        }
    }

    /** {@link #resetSequences()}, then drops every open stream abruptly: a crashed and restarted upstream. */
    public void simulateRestart() {
        resetSequences();
        dropOpenStreams();
    }

    /** Leaves a gap: the next notification published (of any type) gets a sequence {@code n} higher. */
    public AvisoTestServer skipSequences(int n) {
        requireNonNegative(n, "n");
        synchronized (lock) {
            pendingSkip += n;
        }
        return this;
    }

    /** Leaves a gap in one event type: its counter advances by {@code n} now. */
    public AvisoTestServer skipSequences(String eventType, int n) {
        requireNonNegative(n, "n");
        synchronized (lock) {
            lastSequences.merge(eventType, (long) n, Long::sum);
        }
        return this;
    }

    // ---------------------------------------------------------------------------------------------
    // Faults on connect

    /**
     * Answers the next {@code n} watch/replay requests with {@code status} instead of a stream, before
     * auth and validation. Like {@link #stallNext(int)} and {@link #dropAfter(int)}, it is queued
     * behind the connection faults armed before it: {@code dropAfter(3); failNext(1, 403)} drops the
     * next stream after 3 notifications and answers the request after it with 403. The JSON body fits the status: 401 {@code UNAUTHORIZED} (with {@code
     * WWW-Authenticate: Bearer}), 403 {@code FORBIDDEN}, 503 {@code SERVICE_UNAVAILABLE} (auth shape
     * {@code {"code","error","message","request_id"}}), 500 {@code SSE_STREAM_INITIALIZATION_FAILED}
     * (with {@code details} and {@code topic}); other statuses get a code derived from the reason
     * phrase, for example 429 {@code TOO_MANY_REQUESTS}.
     *
     * @param retryAfter the {@code Retry-After} header value (seconds or an HTTP date), or null for none
     */
    public AvisoTestServer failNext(int n, int status, @Nullable String retryAfter) {
        requireNonNegative(n, "n");
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be 4xx or 5xx: " + status);
        }
        synchronized (lock) {
            faults.add(new FaultQueue.Fail(status, retryAfter), n);
        }
        return this;
    }

    /**
     * The next {@code n} watch/replay streams (queued like {@link #failNext}) send status 200 and their headers, then nothing at all
     * (no control frame, no heartbeat, no event) and stay open: "zombie" upstreams. They ignore {@link
     * #closeGracefully} and end only when the client leaves, on {@link #dropOpenStreams()} or {@link
     * #close()}.
     */
    public AvisoTestServer stallNext(int n) {
        requireNonNegative(n, "n");
        synchronized (lock) {
            faults.add(new FaultQueue.Stall(), n);
        }
        return this;
    }

    /**
     * A stream stalls mid-stream: once {@code events} more notification events (replayed, duplicated
     * and live, counted over all streams from now on) have been written, the stream that wrote the last
     * of them goes silent like {@link #stallNext(int)} while staying open. One-shot; {@code 0} disarms
     * it. On the notification where it fires, the stall wins over a {@link #dropAfter} or {@link
     * #dropEvery} drop.
     */
    public AvisoTestServer stallAfter(int events) {
        requireNonNegative(events, "events");
        stallCountdown.set(events);
        return this;
    }

    /**
     * The next watch/replay stream sends {@code n} notification events (replayed, duplicated and live
     * count; control frames and heartbeats do not), waits until they are flushed, then closes the TCP
     * connection without {@code connection-closing} and without ending the chunked body, even in the
     * middle of a replay (before {@code replay_completed}). {@code 0} closes right after the headers. The switch is used up by the next stream even if it never
     * reaches {@code n}; it is queued like {@link #failNext}.
     */
    public AvisoTestServer dropAfter(int n) {
        requireNonNegative(n, "n");
        synchronized (lock) {
            faults.add(new FaultQueue.Drop(n), 1);
        }
        return this;
    }

    /**
     * Like {@link #dropAfter(int)} for every stream opened from now on, until {@code dropEvery(0)} or
     * {@link #clearFaults()}. A pending {@code dropAfter} takes precedence for the next stream.
     */
    public AvisoTestServer dropEvery(int n) {
        requireNonNegative(n, "n");
        synchronized (lock) {
            dropEvery = n;
        }
        return this;
    }

    /**
     * On watches with replay opened from now on, re-sends the last {@value #HANDOVER_DUPLICATES}
     * replayed notifications as {@code live-notification} (same ids) right after {@code
     * replay_completed}, before real live events: aviso's replay/live overlap.
     */
    public AvisoTestServer duplicateAtHandover(boolean enabled) {
        return duplicateAtHandover(enabled ? HANDOVER_DUPLICATES : 0);
    }

    /** Like {@link #duplicateAtHandover(boolean)} with {@code count} duplicates; 0 turns it off. */
    public AvisoTestServer duplicateAtHandover(int count) {
        requireNonNegative(count, "count");
        synchronized (lock) {
            handoverDuplicates = count;
        }
        return this;
    }

    /**
     * The next stream that replays (watch with a start, or replay) stops its history after at most
     * {@code n} replayed events with {@code event: error} {@code stream_processing_failed}, then sends
     * {@code replay_completed} and continues as usual (live on a watch, {@code end_of_stream} on a
     * replay).
     */
    public AvisoTestServer failReplayAfter(int n) {
        requireNonNegative(n, "n");
        synchronized (lock) {
            replayErrorAfterNext = n;
        }
        return this;
    }

    /**
     * Replays opened from now on send at most {@code maxAllowed} events, then {@code replay-control}
     * {@code notification_replay_limit_reached} (only when more were available), then {@code
     * replay_completed}. {@code 0} means no limit (the default).
     */
    public AvisoTestServer replayLimit(int maxAllowed) {
        requireNonNegative(maxAllowed, "maxAllowed");
        synchronized (lock) {
            replayLimit = maxAllowed;
        }
        return this;
    }

    /**
     * The next {@code n} notifications published are stored (and replayable) but delivered live to no
     * one: aviso's silent in-memory lag.
     */
    public AvisoTestServer dropNextLive(int n) {
        requireNonNegative(n, "n");
        synchronized (lock) {
            liveDropsRemaining = n;
        }
        return this;
    }

    /** Turns off every fault switch above and discards held malformed frames; auth is unchanged. */
    public AvisoTestServer clearFaults() {
        stallCountdown.set(0);
        synchronized (lock) {
            faults.clear();
            dropEvery = 0;
            handoverDuplicates = 0;
            replayErrorAfterNext = -1;
            replayLimit = 0;
            liveDropsRemaining = 0;
            pendingMalformed.clear();
            tokenFailuresRemaining = 0;
        }
        return this;
    }

    // ---------------------------------------------------------------------------------------------
    // Faults on open streams

    /**
     * Sends {@code connection-closing} with {@code reason} to every open, non-stalled stream and ends
     * their bodies normally. The message is aviso's for the known reasons ({@code end_of_stream}:
     * "Stream completed", {@code max_duration_reached}: "Connection reached maximum duration", {@code
     * server_shutdown}: "Server is shutting down gracefully"), else the reason itself.
     *
     * @return the number of streams told
     */
    public int closeGracefully(String reason) {
        return closeGracefully(reason, closeMessage(reason));
    }

    /** Like {@link #closeGracefully(String)} with an explicit {@code message}. */
    public int closeGracefully(String reason, String message) {
        synchronized (lock) {
            int told = 0;
            for (WatchStream stream : streams) {
                if (!stream.io.isStalled()) {
                    stream.io.close(closingFrame(stream, reason, message));
                    told++;
                }
            }
            return told;
        }
    }

    /**
     * Closes the TCP connection of every open stream now, without {@code connection-closing}.
     *
     * @return the number of streams dropped
     */
    public int dropOpenStreams() {
        List<WatchStream> open;
        synchronized (lock) {
            open = List.copyOf(streams);
        }
        open.forEach(stream -> stream.io.drop());
        return open.size();
    }

    /**
     * Makes every open stream silent (no heartbeats, no events, no close) while staying open.
     *
     * @return the number of streams stalled by this call (streams already stalled are not counted)
     */
    public int stallOpenStreams() {
        synchronized (lock) {
            int stalled = 0;
            for (WatchStream stream : streams) {
                if (!stream.io.isStalled()) {
                    stream.io.stall();
                    stalled++;
                }
            }
            return stalled;
        }
    }

    /**
     * Writes a malformed {@code live-notification} frame into every open, non-stalled watch stream
     * (after its replay, in order with live events); the streams continue normally afterwards. When no
     * watch stream is open, the frame is held for the next watch stream, which sends it as its first
     * live item.
     *
     * @return the number of open streams that got the frame (0 when held)
     */
    public int emitMalformed(Malformed kind) {
        Frame frame = malformedFrame(kind);
        synchronized (lock) {
            int delivered = 0;
            for (WatchStream stream : streams) {
                if (stream.mode != Mode.REPLAY && !stream.io.isStalled()) {
                    stream.io.offer(frame);
                    delivered++;
                }
            }
            if (delivered == 0) {
                pendingMalformed.add(frame);
            }
            return delivered;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Auth

    /**
     * Requires {@code Authorization: Bearer <token>} on watch, replay and notification from now on,
     * where the token was issued by {@code POST /oauth/token} and has not expired ({@code
     * tokenLifetime} after issue, on {@link #clock(Clock)}) or was given to {@link
     * #acceptStaticToken(String)}. A missing header gets 401 "Authentication is required for this
     * stream", an unknown or expired token 401 "Invalid or expired token"; both carry {@code
     * WWW-Authenticate: Bearer} and {@code {"code":"UNAUTHORIZED","error":"unauthorized",
     * "message","request_id"}}. Streams already open keep running when their token expires (as aviso).
     */
    public AvisoTestServer requireBearer(Duration tokenLifetime) {
        if (tokenLifetime.isNegative()) {
            throw new IllegalArgumentException("token lifetime must not be negative: " + tokenLifetime);
        }
        synchronized (lock) {
            this.authRequired = true;
            this.tokenLifetime = tokenLifetime;
        }
        return this;
    }

    /** Requires a bearer token (see {@link #requireBearer}) and accepts {@code token}, which never expires. */
    public AvisoTestServer acceptStaticToken(String token) {
        synchronized (lock) {
            authRequired = true;
            staticTokens.add(Objects.requireNonNull(token));
        }
        return this;
    }

    /** Sets the client id and secret that {@code POST /oauth/token} accepts. */
    public AvisoTestServer clientCredentials(String clientId, String clientSecret) {
        synchronized (lock) {
            this.clientId = Objects.requireNonNull(clientId);
            this.clientSecret = Objects.requireNonNull(clientSecret);
        }
        return this;
    }

    /** Stops requiring credentials (the default); issued and static tokens are forgotten. */
    public AvisoTestServer disableAuth() {
        synchronized (lock) {
            authRequired = false;
            issuedTokens.clear();
            staticTokens.clear();
        }
        return this;
    }

    /** Makes every token issued so far invalid (static tokens stay valid). */
    public AvisoTestServer expireAllTokens() {
        synchronized (lock) {
            issuedTokens.clear();
        }
        return this;
    }

    /**
     * The next {@code n} token requests get {@code status} with {@code
     * {"error":"temporarily_unavailable"}} (they are still counted by {@link #tokenRequests()}).
     */
    public AvisoTestServer failTokenRequests(int n, int status) {
        requireNonNegative(n, "n");
        synchronized (lock) {
            tokenFailuresRemaining = n;
            tokenFailureStatus = status;
        }
        return this;
    }

    /** The number of {@code POST /oauth/token} requests received, failed ones included. */
    public int tokenRequests() {
        return tokenRequestCount.get();
    }

    // ---------------------------------------------------------------------------------------------
    // Observability

    /** Every request received so far, in arrival order (a snapshot). */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** The watch and replay requests received so far, whatever their answer (a snapshot). */
    public List<RecordedRequest> watchRequests() {
        return requests.stream()
                .filter(r -> r.path().equals(WATCH_PATH) || r.path().equals(REPLAY_PATH))
                .toList();
    }

    /** The number of watch/replay streams opened (status 200) since start. */
    public int connectionCount() {
        return connections.get();
    }

    /** The number of watch/replay streams open now, stalled ones included. */
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

    /** Waits until at least {@code n} watch/replay requests have been received. */
    public void awaitWatchRequests(int n, Duration timeout) {
        Await.until(
                () -> watchRequests().size() >= n,
                timeout,
                () -> n + " watch requests (now " + watchRequests().size() + ")");
    }

    /** Drops every open stream and stops the server (blocks up to a few seconds). */
    @Override
    public void close() {
        dropOpenStreams();
        server.disposeNow(Duration.ofSeconds(5));
        timers.dispose();
    }

    // ---------------------------------------------------------------------------------------------
    // HTTP handling

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        String requestId = TestIds.uuid();
        response.header("X-Request-ID", requestId);
        String path = new QueryStringDecoder(request.uri()).rawPath();
        HttpMethod method = request.method();
        return switch (path) {
            case HEALTH_PATH ->
                method.equals(HttpMethod.GET)
                        ? body(request).flatMap(body -> {
                            record(request, path, body, requestId, 200);
                            return sendJson(response, 200, Map.of("status", "ok"));
                        })
                        : methodNotAllowed(request, response, path, requestId);
            case WATCH_PATH, REPLAY_PATH ->
                method.equals(HttpMethod.POST)
                        ? body(request).flatMap(body -> watch(request, response, path, body, requestId))
                        : methodNotAllowed(request, response, path, requestId);
            case NOTIFICATION_PATH ->
                method.equals(HttpMethod.POST)
                        ? body(request).flatMap(body -> notification(request, response, path, body, requestId))
                        : methodNotAllowed(request, response, path, requestId);
            case TOKEN_PATH ->
                method.equals(HttpMethod.POST)
                        ? body(request).flatMap(body -> token(request, response, path, body, requestId))
                        : methodNotAllowed(request, response, path, requestId);
            default ->
                body(request).flatMap(body -> {
                    record(request, path, body, requestId, 404);
                    return response.status(404).send();
                });
        };
    }

    private Mono<Void> methodNotAllowed(
            HttpServerRequest request, HttpServerResponse response, String path, String requestId) {
        return body(request).flatMap(body -> {
            record(request, path, body, requestId, 405);
            return response.status(405).send();
        });
    }

    private Mono<Void> watch(
            HttpServerRequest request, HttpServerResponse response, String path, byte[] body, String requestId) {
        AvisoRequest.Kind kind = path.equals(REPLAY_PATH) ? AvisoRequest.Kind.REPLAY : AvisoRequest.Kind.WATCH;
        if (body.length > MAX_BODY_BYTES) {
            record(request, path, body, requestId, 413);
            return response.status(413).send();
        }
        FaultQueue.Fail injected;
        synchronized (lock) {
            injected = faults.pollFailure();
        }
        if (injected != null) {
            record(request, path, body, requestId, injected.status());
            return injectedFailure(response, kind, injected.status(), injected.retryAfter(), body, requestId);
        }
        String authFailure = authFailure(request);
        if (authFailure != null) {
            record(request, path, body, requestId, 401);
            return unauthorized(response, authFailure, requestId);
        }
        AvisoRequest parsed;
        try {
            parsed = AvisoRequest.parse(body, kind);
        } catch (AvisoRequest.Invalid e) {
            record(request, path, body, requestId, 400);
            return sendJson(response, 400, e.body(requestId));
        }
        record(request, path, body, requestId, 200);
        return openStream(response, parsed, requestId);
    }

    private Mono<Void> notification(
            HttpServerRequest request, HttpServerResponse response, String path, byte[] body, String requestId) {
        if (body.length > MAX_BODY_BYTES) {
            record(request, path, body, requestId, 413);
            return response.status(413).send();
        }
        String authFailure = authFailure(request);
        if (authFailure != null) {
            record(request, path, body, requestId, 401);
            return unauthorized(response, authFailure, requestId);
        }
        AvisoRequest parsed;
        try {
            parsed = AvisoRequest.parse(body, AvisoRequest.Kind.NOTIFY);
        } catch (AvisoRequest.Invalid e) {
            record(request, path, body, requestId, 400);
            return sendJson(response, 400, e.body(requestId));
        }
        synchronized (lock) {
            store(parsed.eventType(), parsed.filter().exactValues(), parsed.payload());
        }
        record(request, path, body, requestId, 200);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", "success");
        answer.put("request_id", requestId);
        answer.put("processed_at", TestJson.wholeSeconds(clock.instant()));
        return sendJson(response, 200, answer);
    }

    private Mono<Void> token(
            HttpServerRequest request, HttpServerResponse response, String path, byte[] body, String requestId) {
        tokenRequestCount.incrementAndGet();
        Map<String, List<String>> form = new QueryStringDecoder(new String(body, UTF_8), false).parameters();
        String grantType = first(form, "grant_type");
        String id = first(form, "client_id");
        String secret = first(form, "client_secret");
        String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(
                        Base64.getDecoder().decode(authorization.substring(6).trim()), UTF_8);
                int colon = decoded.indexOf(':');
                if (colon >= 0) {
                    id = URLDecoder.decode(decoded.substring(0, colon), UTF_8);
                    secret = URLDecoder.decode(decoded.substring(colon + 1), UTF_8);
                }
            } catch (IllegalArgumentException e) {
                id = null;
            }
        }
        int status;
        Map<String, Object> answer = new LinkedHashMap<>();
        synchronized (lock) {
            if (tokenFailuresRemaining > 0) {
                tokenFailuresRemaining--;
                status = tokenFailureStatus;
                answer.put("error", "temporarily_unavailable");
                answer.put("error_description", "Injected token endpoint failure");
            } else if (grantType == null) {
                status = 400;
                answer.put("error", "invalid_request");
                answer.put("error_description", "grant_type is required");
            } else if (!grantType.equals("client_credentials")) {
                status = 400;
                answer.put("error", "unsupported_grant_type");
                answer.put("error_description", "Only client_credentials is supported");
            } else if (!clientId.equals(id) || !clientSecret.equals(secret)) {
                status = 401;
                answer.put("error", "invalid_client");
                answer.put("error_description", "Client authentication failed");
            } else {
                status = 200;
                String token = TestIds.token();
                issuedTokens.put(token, clock.instant().plus(tokenLifetime));
                answer.put("access_token", token);
                answer.put("token_type", "Bearer");
                answer.put("expires_in", ceilSeconds(tokenLifetime));
            }
        }
        record(request, path, body, requestId, status);
        response.header(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (status == 401) {
            response.header(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"aviso-test\"");
        }
        return sendJson(response, status, answer);
    }

    private @Nullable String authFailure(HttpServerRequest request) {
        String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        synchronized (lock) {
            if (!authRequired) {
                return null;
            }
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return "Authentication is required for this stream";
            }
            String token = authorization.substring(7).trim();
            if (staticTokens.contains(token)) {
                return null;
            }
            Instant expiry = issuedTokens.get(token);
            if (expiry == null || !clock.instant().isBefore(expiry)) {
                return "Invalid or expired token";
            }
            return null;
        }
    }

    private static Mono<Void> unauthorized(HttpServerResponse response, String message, String requestId) {
        response.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        return sendJson(response, 401, authError("UNAUTHORIZED", "unauthorized", message, requestId));
    }

    private static Map<String, Object> authError(String code, String error, String message, String requestId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("error", error);
        body.put("message", message);
        body.put("request_id", requestId);
        return body;
    }

    private static Mono<Void> injectedFailure(
            HttpServerResponse response,
            AvisoRequest.Kind kind,
            int status,
            @Nullable String retryAfter,
            byte[] body,
            String requestId) {
        if (retryAfter != null) {
            response.header(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        Map<String, Object> answer;
        switch (status) {
            case 400 ->
                answer = new AvisoRequest.Invalid(
                                kind, kind.validationCode, "Injected failure", "Injected invalid request")
                        .body(requestId);
            case 401 -> {
                response.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                answer = authError("UNAUTHORIZED", "unauthorized", "Invalid or expired token", requestId);
            }
            case 403 ->
                answer = authError(
                        "FORBIDDEN", "forbidden", "User does not have required read role for this stream", requestId);
            case 503 ->
                answer = authError(
                        "SERVICE_UNAVAILABLE",
                        "service_unavailable",
                        "Authentication service temporarily unavailable",
                        requestId);
            case 500 -> {
                answer = new LinkedHashMap<>();
                answer.put("code", "SSE_STREAM_INITIALIZATION_FAILED");
                answer.put("error", "SSE stream creation failed");
                answer.put("message", "Failed to create SSE stream");
                answer.put("details", "Injected failure: backend subscription unavailable");
                answer.put("topic", topicOf(body));
                answer.put("request_id", requestId);
            }
            default -> {
                String reason = HttpResponseStatus.valueOf(status).reasonPhrase();
                answer = authError(
                        reason.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_"),
                        reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_"),
                        "Injected failure: " + reason,
                        requestId);
            }
        }
        return sendJson(response, status, answer);
    }

    /** The topic of a body that may not even parse, for the 500 error body. */
    private static String topicOf(byte[] body) {
        try {
            JsonNode root = TestJson.MAPPER.readTree(body);
            if (root != null && root.isObject() && root.path("event_type").isString()) {
                return root.path("event_type").stringValue();
            }
        } catch (JacksonException e) {
            // fall through: no topic
        }
        return "";
    }

    private static Mono<byte[]> body(HttpServerRequest request) {
        return request.receive()
                .asByteArray()
                .collect(ByteArrayOutputStream::new, (out, bytes) -> out.write(bytes, 0, bytes.length))
                .map(ByteArrayOutputStream::toByteArray);
    }

    private void record(HttpServerRequest request, String path, byte[] body, String requestId, int status) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.requestHeaders()
                .forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + ", " + b));
        Map<String, @Nullable Object> json = new LinkedHashMap<>();
        try {
            JsonNode root = TestJson.MAPPER.readTree(body);
            if (root != null && root.isObject()) {
                for (Map.Entry<String, JsonNode> entry : root.properties()) {
                    json.put(entry.getKey(), TestJson.MAPPER.treeToValue(entry.getValue(), Object.class));
                }
            }
        } catch (JacksonException e) {
            // not JSON: json stays empty
        }
        requests.add(new RecordedRequest(
                request.method().name(),
                path,
                headers,
                new String(body, UTF_8),
                json,
                requestId,
                status,
                Instant.now()));
    }

    private static Mono<Void> sendJson(HttpServerResponse response, int status, Object body) {
        byte[] bytes = TestJson.write(body).getBytes(UTF_8);
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendByteArray(Mono.just(bytes))
                .then();
    }

    // ---------------------------------------------------------------------------------------------
    // Streams

    /** One open watch or replay stream. */
    private static final class WatchStream {
        final OpenStream io;
        final Mode mode;
        final AvisoRequest request;
        final String topic;
        final String requestId;

        WatchStream(OpenStream io, Mode mode, AvisoRequest request, String topic, String requestId) {
            this.io = io;
            this.mode = mode;
            this.request = request;
            this.topic = topic;
            this.requestId = requestId;
        }

        boolean receivesLive(String eventType, Map<String, String> identifier) {
            return mode != Mode.REPLAY
                    && !io.isStalled()
                    && request.eventType().equals(eventType)
                    && request.filter().matches(identifier);
        }
    }

    /** The settings one stream reads when it opens. */
    private record StreamPlan(
            Duration heartbeatInterval, Duration maxDuration, int replayErrorAfter, int replayLimit, int duplicates) {}

    private Mono<Void> openStream(HttpServerResponse response, AvisoRequest request, String requestId) {
        Mode mode = request.kind() == AvisoRequest.Kind.REPLAY
                ? Mode.REPLAY
                : request.hasStart() ? Mode.WATCH_REPLAY : Mode.LIVE;
        String topic = request.filter().topic(request.eventType());
        WatchStream stream;
        StreamPlan plan;
        synchronized (lock) {
            FaultQueue.Fault fault = faults.pollStreamFault();
            int drop = fault instanceof FaultQueue.Drop(int after) ? after : dropEvery > 0 ? dropEvery : -1;
            boolean stalled = fault instanceof FaultQueue.Stall;
            int errorAfter = -1;
            if (mode != Mode.LIVE) {
                errorAfter = replayErrorAfterNext;
                replayErrorAfterNext = -1;
            }
            plan = new StreamPlan(heartbeatInterval, maxDuration, errorAfter, replayLimit, handoverDuplicates);
            stream = new WatchStream(new OpenStream(drop, stalled, stallCountdown), mode, request, topic, requestId);
            streams.add(stream);
            connections.incrementAndGet();
            if (mode != Mode.REPLAY && !stream.io.isStalled() && !pendingMalformed.isEmpty()) {
                pendingMalformed.forEach(stream.io::offer);
                pendingMalformed.clear();
            }
        }
        // As in aviso, the live subscription above exists before history is read.
        List<Stored> replay = mode == Mode.LIVE ? List.of() : readHistory(request);
        response.status(200)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .header(HttpHeaderNames.CONNECTION, "keep-alive")
                .header(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                .header("X-Accel-Buffering", "no");
        return stream.io
                .respond(response, frames(stream, replay, plan, clock.instant()))
                .doFinally(signal -> {
                    synchronized (lock) {
                        streams.remove(stream);
                    }
                });
    }

    private List<Stored> readHistory(AvisoRequest request) {
        Long fromId = request.fromId();
        Instant fromDate = request.fromDate();
        synchronized (lock) {
            return history.stream()
                    .filter(n -> n.eventType.equals(request.eventType()))
                    .filter(n -> fromId == null || n.sequence >= fromId)
                    .filter(n -> fromDate == null || !n.time.isBefore(fromDate))
                    .filter(n -> request.filter().matches(n.identifier))
                    .sorted((a, b) -> Long.compare(a.sequence, b.sequence))
                    .toList();
        }
    }

    private Flux<Frame> frames(WatchStream stream, List<Stored> replay, StreamPlan plan, Instant setup) {
        Flux<Frame> heartbeats = Flux.interval(Duration.ZERO, plan.heartbeatInterval(), timers)
                .onBackpressureDrop()
                .map(tick -> heartbeatFrame(stream));
        Flux<Frame> content = switch (stream.mode) {
            case LIVE ->
                Flux.concat(
                        Mono.fromSupplier(() -> connectionEstablishedFrame(stream, plan.maxDuration())),
                        Flux.merge(heartbeats, stream.io.live()));
            case WATCH_REPLAY -> {
                List<Frame> history = new ArrayList<>();
                List<Frame> duplicates = new ArrayList<>();
                replayFrames(stream, replay, plan, setup, history, duplicates);
                yield Flux.concat(
                        Mono.just(replayStartedFrame(stream, setup)),
                        Flux.merge(
                                heartbeats,
                                Flux.concat(
                                        Flux.fromIterable(history), Flux.fromIterable(duplicates), stream.io.live())));
            }
            case REPLAY -> {
                List<Frame> history = new ArrayList<>();
                replayFrames(stream, replay, plan, setup, history, new ArrayList<>());
                yield Flux.concat(
                        Mono.just(replayStartedFrame(stream, setup)),
                        Flux.fromIterable(history),
                        Mono.fromSupplier(
                                () -> closingFrame(stream, REASON_END_OF_STREAM, closeMessage(REASON_END_OF_STREAM))));
            }
        };
        Mono<Frame> maxDurationReached = stream.mode == Mode.REPLAY
                ? Mono.never()
                : Mono.delay(plan.maxDuration(), timers)
                        .map(tick -> closingFrame(stream, REASON_MAX_DURATION, closeMessage(REASON_MAX_DURATION)));
        return Flux.merge(content, stream.io.closing(), maxDurationReached)
                .takeUntil(frame -> frame.kind() == Frame.Kind.CLOSING);
    }

    /** Fills {@code out} with the replay part (events, error/limit, replay_completed) and duplicates. */
    private void replayFrames(
            WatchStream stream,
            List<Stored> replay,
            StreamPlan plan,
            Instant setup,
            List<Frame> out,
            List<Frame> duplicates) {
        List<Stored> sent = new ArrayList<>();
        boolean errorSent = false;
        for (Stored notification : replay) {
            if (plan.replayErrorAfter() >= 0 && sent.size() >= plan.replayErrorAfter()) {
                out.add(replayErrorFrame(stream));
                errorSent = true;
                break;
            }
            if (plan.replayLimit() > 0 && sent.size() >= plan.replayLimit()) {
                out.add(limitReachedFrame(stream, plan.replayLimit(), setup));
                break;
            }
            out.add(notification.replayFrame);
            sent.add(notification);
        }
        if (plan.replayErrorAfter() >= 0 && !errorSent) {
            out.add(replayErrorFrame(stream));
        }
        out.add(replayCompletedFrame(stream, setup));
        int from = Math.max(0, sent.size() - plan.duplicates());
        sent.subList(from, sent.size()).forEach(n -> duplicates.add(n.liveFrame));
    }

    private Frame connectionEstablishedFrame(WatchStream stream, Duration maxDuration) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "connection_established");
        data.put("topic", stream.topic);
        data.put("timestamp", TestJson.wholeSeconds(clock.instant()));
        data.put("connection_will_close_in_seconds", ceilSeconds(maxDuration));
        data.put("request_id", stream.requestId);
        return Frame.event("live-notification", TestJson.write(data), Frame.Kind.CONTROL);
    }

    private Frame replayStartedFrame(WatchStream stream, Instant setup) {
        Instant fromDate = stream.request.fromDate();
        Map<String, @Nullable Object> data = new LinkedHashMap<>();
        data.put("type", "replay_started");
        data.put("topic", stream.topic);
        data.put("from_sequence", stream.request.fromId());
        data.put("from_date", fromDate == null ? null : TestJson.wholeSeconds(fromDate));
        data.put("batch_size", REPLAY_BATCH_SIZE);
        data.put("timestamp", TestJson.wholeSeconds(setup));
        data.put("request_id", stream.requestId);
        return Frame.event("replay-control", TestJson.write(data), Frame.Kind.CONTROL);
    }

    private Frame replayCompletedFrame(WatchStream stream, Instant setup) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "replay_completed");
        data.put("topic", stream.topic);
        data.put("timestamp", TestJson.wholeSeconds(setup));
        return Frame.event("replay-control", TestJson.write(data), Frame.Kind.CONTROL);
    }

    private Frame limitReachedFrame(WatchStream stream, int maxAllowed, Instant setup) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "notification_replay_limit_reached");
        data.put("topic", stream.topic);
        data.put("max_allowed", maxAllowed);
        data.put(
                "message",
                "Historical replay limited to " + maxAllowed
                        + " messages. Use a more recent from_id or from_date to receive newer notifications.");
        data.put("timestamp", TestJson.wholeSeconds(setup));
        return Frame.event("replay-control", TestJson.write(data), Frame.Kind.CONTROL);
    }

    private static Frame replayErrorFrame(WatchStream stream) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("error", "stream_processing_failed");
        data.put("message", "Failed to fetch replay batch: injected failure");
        data.put("topic", stream.topic);
        data.put("request_id", stream.requestId);
        return Frame.event("error", TestJson.write(data), Frame.Kind.CONTROL);
    }

    private Frame heartbeatFrame(WatchStream stream) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("timestamp", TestJson.wholeSeconds(clock.instant()));
        data.put("topic", stream.topic);
        return Frame.event("heartbeat", TestJson.write(data), Frame.Kind.CONTROL);
    }

    private Frame closingFrame(WatchStream stream, String reason, String message) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("reason", reason);
        data.put("message", message);
        data.put("timestamp", TestJson.wholeSeconds(clock.instant()));
        data.put("topic", stream.topic);
        data.put("request_id", stream.requestId);
        return Frame.event("connection-closing", TestJson.write(data), Frame.Kind.CLOSING);
    }

    private Frame malformedFrame(Malformed kind) {
        return switch (kind) {
            case BAD_JSON -> Frame.text("event: live-notification\ndata: {not json\n\n", Frame.Kind.CONTROL);
            case INVALID_UTF8 -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes("event: live-notification\ndata: {\"bad\":\"".getBytes(UTF_8));
                out.write(0xC3);
                out.write(0x28);
                out.writeBytes("\"}\n\n".getBytes(UTF_8));
                yield new Frame(out.toByteArray(), Frame.Kind.CONTROL);
            }
            case OVERLONG_LINE -> {
                String prefix = "data: {\"padding\":\"";
                String suffix = "\"}";
                String padding = "x".repeat(overlongLineBytes - prefix.length() - suffix.length());
                yield Frame.text("event: live-notification\n" + prefix + padding + suffix + "\n\n", Frame.Kind.CONTROL);
            }
        };
    }

    private static String closeMessage(String reason) {
        return switch (reason) {
            case REASON_END_OF_STREAM -> "Stream completed";
            case REASON_MAX_DURATION -> "Connection reached maximum duration";
            case "server_shutdown" -> "Server is shutting down gracefully";
            default -> reason;
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Storage

    /** A stored notification with its two pre-rendered frames. */
    private static final class Stored {
        final String eventType;
        final long sequence;
        final Map<String, String> identifier;
        final Instant time;
        final Frame liveFrame;
        final Frame replayFrame;

        Stored(String eventType, long sequence, Map<String, String> identifier, Instant time, String cloudEvent) {
            this.eventType = eventType;
            this.sequence = sequence;
            this.identifier = identifier;
            this.time = time;
            this.liveFrame = Frame.event("live-notification", cloudEvent, Frame.Kind.NOTIFICATION);
            this.replayFrame = Frame.event("replay", cloudEvent, Frame.Kind.NOTIFICATION);
        }
    }

    /** Assigns the sequence, stores and fans out; the caller holds the lock. */
    private long store(String eventType, Map<String, String> identifier, @Nullable Object payload) {
        long sequence = lastSequences.getOrDefault(eventType, 0L) + 1 + pendingSkip;
        pendingSkip = 0;
        lastSequences.put(eventType, sequence);
        Instant time = clock.instant();
        Instant last = lastStoredTime;
        if (last != null && !time.isAfter(last)) {
            time = last.plusNanos(1);
        }
        lastStoredTime = time;
        Map<String, String> values = Map.copyOf(identifier);
        Map<String, @Nullable Object> data = new LinkedHashMap<>();
        data.put("identifier", new TreeMap<>(identifier));
        data.put("payload", payload);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("specversion", "1.0");
        event.put("id", eventType + "@" + sequence);
        event.put("type", "int.ecmwf.aviso." + eventType);
        event.put("source", source);
        event.put("time", TestJson.rfc3339(time));
        event.put("datacontenttype", "application/json");
        event.put("dataschema", source + "/schema/" + eventType);
        event.put("data", data);
        Stored stored = new Stored(eventType, sequence, values, time, TestJson.write(event));
        history.add(stored);
        if (liveDropsRemaining > 0) {
            liveDropsRemaining--;
        } else {
            for (WatchStream stream : streams) {
                if (stream.receivesLive(eventType, values)) {
                    stream.io.offer(stored.liveFrame);
                }
            }
        }
        return sequence;
    }

    private static @Nullable String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static long ceilSeconds(Duration duration) {
        long seconds = duration.toSeconds();
        return duration.toNanosPart() > 0 ? seconds + 1 : seconds;
    }

    private static void requireNonNegative(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
    }
}
