package io.watchgate.core;

import io.netty.channel.ChannelOption;
import io.watchgate.core.auth.AuthProvider;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.core.protocol.UpstreamProtocol;
import io.watchgate.core.session.SessionSettings;
import io.watchgate.core.session.SessionSupervisor;
import io.watchgate.core.sse.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Watches one upstream: each {@link #watch(WatchRequest)} subscription is one resilient session
 * that reconnects, resumes and commits its position on its own.
 *
 * <pre>{@code
 * WatchClient client = WatchClient.builder()
 *     .upstream(Upstream.aviso(URI.create("https://aviso.example.org")))
 *     .build();
 * client.watch(WatchRequest.aviso("mars").where("class", "od").fromSequence(42))
 *     .subscribe(n -> System.out.println(n.sequence() + " " + n.identifier()));
 * }</pre>
 *
 * <p>Thread-safe. Two sessions with the same {@linkplain #sessionKey(WatchRequest) session key}
 * cannot run at once in one client: the second is refused with {@link SessionConflictException}
 * (one that starts while the previous is still flushing its cursor waits for it). {@link #close()}
 * ends every session.
 */
public final class WatchClient implements AutoCloseable {

    private final Upstream upstream;
    private final UpstreamProtocol protocol;
    private final AuthProvider auth;
    private final boolean authConfigured;
    private final CursorStore cursorStore;
    private final BackoffPolicy backoff;
    private final Duration maxRetryAfter;
    private final Duration heartbeatTimeout;
    private final int commitBatchSize;
    private final Duration commitInterval;
    private final int maxLineBytes;
    private final int maxEventBytes;
    private final Scheduler scheduler;
    private final DoubleSupplier jitter;
    private final HttpClient httpClient;
    private final Map<String, SessionSupervisor> active = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** How long {@link #close()} waits for the sessions' final cursor flushes. */
    private static final int CLOSE_WAIT_SECONDS = 15;

    private WatchClient(Builder builder) {
        this.upstream = Objects.requireNonNull(builder.upstream, "upstream is required");
        this.protocol = UpstreamProtocol.of(upstream);
        this.authConfigured = builder.auth != null;
        this.auth = builder.auth == null ? AuthProvider.none() : builder.auth;
        this.cursorStore = builder.cursorStore == null ? CursorStore.inMemory() : builder.cursorStore;
        this.backoff = builder.backoff;
        this.maxRetryAfter = builder.maxRetryAfter;
        this.heartbeatTimeout = builder.heartbeatTimeout;
        this.commitBatchSize = builder.commitBatchSize;
        this.commitInterval = builder.commitInterval;
        this.maxLineBytes = builder.maxLineBytes;
        this.maxEventBytes = builder.maxEventBytes;
        this.scheduler = builder.scheduler;
        this.jitter = builder.jitter;
        ConnectionProvider connections =
                builder.connectionProvider == null ? ConnectionProvider.newConnection() : builder.connectionProvider;
        String userAgent = builder.userAgent;
        HttpClient http = HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) builder.connectTimeout.toMillis())
                .headers(headers -> headers.set("User-Agent", userAgent));
        LongConsumer bytesReceived = builder.bytesReceived;
        this.httpClient = bytesReceived == null
                ? http
                : http.doOnChannelInit((observer, channel, address) ->
                        channel.pipeline().addFirst(ByteCounter.NAME, new ByteCounter(bytesReceived)));
    }

    /** A builder; {@link Builder#upstream(Upstream)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The upstream this client watches. */
    public Upstream upstream() {
        return upstream;
    }

    /**
     * The key that identifies a session of this client: in the cursor store, in logs, and for the
     * one-session-per-key rule. It is the first 128 bits, in hex, of the SHA-256 of the upstream's
     * name, a newline, and the request's {@linkplain WatchRequest#canonical() canonical form}: the
     * same for the same upstream name and stream whatever the order of filters, and independent of
     * the start position.
     */
    public String sessionKey(WatchRequest request) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((upstream.name() + "\n" + request.canonical()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * A cold Flux of notifications: each subscription runs one session (see {@link WatchSession}).
     *
     * @throws IllegalArgumentException when the request does not suit this upstream
     */
    public Flux<Notification> watch(WatchRequest request) {
        protocol.validate(request);
        return Flux.defer(() -> session(request).notifications());
    }

    /**
     * A session for this request, with its status and snapshot; it starts when its notifications
     * are subscribed.
     *
     * @throws IllegalArgumentException when the request does not suit this upstream
     */
    public WatchSession session(WatchRequest request) {
        protocol.validate(request);
        String key = sessionKey(request);
        SessionSettings settings = new SessionSettings(
                key,
                upstream.name(),
                request,
                protocol,
                httpClient,
                auth,
                authConfigured,
                cursorStore,
                backoff,
                maxRetryAfter,
                heartbeatTimeout,
                commitBatchSize,
                commitInterval,
                maxLineBytes,
                maxEventBytes,
                scheduler,
                jitter);
        SessionSupervisor[] self = new SessionSupervisor[1];
        self[0] = new SessionSupervisor(settings, session -> register(key, session), () -> active.remove(key, self[0]));
        return self[0];
    }

    /**
     * Admits a session: at once when no session with its key runs, after the previous one finished
     * ending (flushing its cursor) when it is ending, never while it runs.
     */
    private Mono<Void> register(String key, SessionSupervisor session) {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.error(new WatchException("the client is closed"));
            }
            SessionSupervisor running = active.putIfAbsent(key, session);
            if (running == null) {
                if (closed) {
                    active.remove(key, session);
                    return Mono.error(new WatchException("the client is closed"));
                }
                return Mono.empty();
            }
            if (running.isEnding()) {
                return running.terminated().then(register(key, session));
            }
            return Mono.error(
                    new SessionConflictException(key, session.request().canonical()));
        });
    }

    /** The sessions running now. */
    public List<WatchSession> sessions() {
        return List.copyOf(active.values());
    }

    /**
     * Ends every session and refuses new ones; completes once every session has ended and flushed
     * its cursor (each final flush is bounded by its own timeout). Close the cursor store after it.
     */
    public Mono<Void> closeGracefully() {
        return Mono.defer(() -> {
            closed = true;
            List<SessionSupervisor> ending = List.copyOf(active.values());
            ending.forEach(WatchSession::stop);
            return Mono.when(ending.stream().map(SessionSupervisor::terminated).toList());
        });
    }

    /**
     * Ends every session (their Flux completes, their cursors are flushed) and refuses new ones.
     * On a thread that may block it waits, at most {@value #CLOSE_WAIT_SECONDS} seconds, for the
     * cursors to be flushed, so that a cursor store closed next holds them; on a non-blocking
     * thread it only starts the ending (use {@link #closeGracefully()} there).
     */
    @Override
    public void close() {
        Mono<Void> ending = closeGracefully();
        if (Schedulers.isInNonBlockingThread()) {
            ending.subscribe(null, error -> {});
        } else {
            ending.onErrorResume(error -> Mono.empty()).block(Duration.ofSeconds(CLOSE_WAIT_SECONDS));
        }
    }

    /** Configures a {@link WatchClient}. Not thread-safe. */
    public static final class Builder {

        private @Nullable Upstream upstream;
        private @Nullable AuthProvider auth;
        private @Nullable CursorStore cursorStore;
        private BackoffPolicy backoff = BackoffPolicy.DEFAULT;
        private Duration maxRetryAfter = Duration.ofMinutes(5);
        private Duration heartbeatTimeout = Duration.ofSeconds(90);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private String userAgent = "watchgate/0.1";
        private int commitBatchSize = 100;
        private Duration commitInterval = Duration.ofSeconds(1);
        private int maxLineBytes = SseDecoder.DEFAULT_MAX_LINE_BYTES;
        private int maxEventBytes = SseDecoder.DEFAULT_MAX_EVENT_BYTES;
        private Scheduler scheduler = Schedulers.parallel();
        private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();
        private @Nullable ConnectionProvider connectionProvider;
        private @Nullable LongConsumer bytesReceived;

        private Builder() {}

        /** The upstream to watch (required). */
        public Builder upstream(Upstream upstream) {
            this.upstream = Objects.requireNonNull(upstream, "upstream");
            return this;
        }

        /** Credentials for the upstream; refreshed once when it answers 401. Default: none. */
        public Builder auth(AuthProvider auth) {
            this.auth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** Where sessions keep their position. Default: in memory, per client. */
        public Builder cursorStore(CursorStore cursorStore) {
            this.cursorStore = Objects.requireNonNull(cursorStore, "cursorStore");
            return this;
        }

        /** Reconnection backoff. Default: {@link BackoffPolicy#DEFAULT} (250 ms, ×2, 30 s, jitter 0.5). */
        public Builder backoff(BackoffPolicy backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /** The longest {@code Retry-After} honoured (longer ones are cut to it). Default: 5 min. */
        public Builder maxRetryAfter(Duration maxRetryAfter) {
            this.maxRetryAfter = positive(maxRetryAfter, "maxRetryAfter");
            return this;
        }

        /**
         * Silence after which a connection is dropped and reopened. Default: 90 s (3 × aviso's 30 s
         * heartbeat). It counts only while bytes are wanted (before the response headers, or while
         * the session has demand for the body): a slow subscriber never makes a connection look
         * starved.
         */
        public Builder heartbeatTimeout(Duration heartbeatTimeout) {
            this.heartbeatTimeout = positive(heartbeatTimeout, "heartbeatTimeout");
            return this;
        }

        /** TCP connect timeout. Default: 10 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connectTimeout");
            return this;
        }

        /** The {@code User-Agent} header. Default: {@code watchgate/0.1}. */
        public Builder userAgent(String userAgent) {
            this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
            return this;
        }

        /**
         * Commit the cursor after this many delivered notifications, and at least every {@code
         * interval} while notifications arrive. Default: 100 and 1 s.
         */
        public Builder commitEvery(int batchSize, Duration interval) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("commit batch size must be >= 1: " + batchSize);
            }
            this.commitBatchSize = batchSize;
            this.commitInterval = positive(interval, "commit interval");
            return this;
        }

        /** Limits of the SSE decoder. Default: 1 MiB per line, 4 MiB per event. */
        public Builder maxFrameSize(int maxLineBytes, int maxEventBytes) {
            if (maxLineBytes < 64 || maxEventBytes < maxLineBytes) {
                throw new IllegalArgumentException("need 64 <= maxLineBytes <= maxEventBytes");
            }
            this.maxLineBytes = maxLineBytes;
            this.maxEventBytes = maxEventBytes;
            return this;
        }

        /** The scheduler for timers and the status clock (tests pass a virtual-time one). Default: parallel. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The randomness of backoff jitter, values in {@code [0, 1)} (tests pass a constant). */
        public Builder jitter(DoubleSupplier jitter) {
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /**
         * The connection provider for upstream streams. Default: a new connection per stream, closed
         * when the stream ends (long-lived streams gain nothing from pooling).
         */
        public Builder connectionProvider(ConnectionProvider connectionProvider) {
            this.connectionProvider = Objects.requireNonNull(connectionProvider, "connectionProvider");
            return this;
        }

        /**
         * Told the size of every chunk of bytes read from an upstream connection, as it arrives on the
         * wire (before TLS and HTTP decoding), on the connection's event loop: keep it quick (a
         * counter). Default: none.
         */
        public Builder bytesReceived(LongConsumer bytesReceived) {
            this.bytesReceived = Objects.requireNonNull(bytesReceived, "bytesReceived");
            return this;
        }

        /** The client. */
        public WatchClient build() {
            return new WatchClient(this);
        }

        private static Duration positive(Duration duration, String name) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + duration);
            }
            return duration;
        }
    }
}
