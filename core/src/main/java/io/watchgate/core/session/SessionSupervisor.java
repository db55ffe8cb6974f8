package io.watchgate.core.session;

import io.watchgate.core.CheckpointedNotification;
import io.watchgate.core.Notification;
import io.watchgate.core.SessionSnapshot;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.WatchSession;
import io.watchgate.core.auth.AuthException;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.protocol.UpstreamCall;
import io.watchgate.core.session.SessionAction.Await;
import io.watchgate.core.session.SessionAction.Connect;
import io.watchgate.core.session.SessionAction.Deliver;
import io.watchgate.core.session.SessionAction.Fail;
import io.watchgate.core.session.SessionAction.RefreshAuth;
import io.watchgate.core.session.SessionMachine.Step;
import io.watchgate.core.session.SessionPhase.BackingOff;
import io.watchgate.core.sse.SseDecoder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;

/**
 * Runs one {@link SessionMachine}: feeds it the events of the cursor store, the auth provider, the
 * timers and the {@link UpstreamConnector}, and performs its actions. All decisions are the
 * machine's; this class only does I/O, in one sequential pipeline:
 *
 * <pre>
 * load checkpoint → repeat { connect | wait | refresh credentials } until stopped or failed
 * </pre>
 *
 * <p>Each step of the machine happens under this object's lock, so a cancellation arriving from
 * another thread sees a consistent state.
 *
 * <p>Operator commands ({@link #reconnect()}, {@link #moveCursor(Checkpoint)}) are machine events
 * too: under the lock the machine turns them into a {@link Connect} (the pending action), the
 * connection generation grows, and the running cycle (its connection, backoff wait or credential
 * refresh) is cut, so the next cycle connects at once. A command that arrives between two cycles
 * is not lost: the next cycle reads the pending action and the generation under the same lock.
 * Every event that comes from a cycle carries the generation the cycle started with; one from an
 * older generation (a late notification, loss or opening of the dropped connection) is ignored.
 * A notification ignored that way was never delivered, and the new connection resumes after the
 * last delivered one.
 */
public final class SessionSupervisor implements WatchSession {

    private static final Logger log = LoggerFactory.getLogger(SessionSupervisor.class);
    private static final int STATUS_HISTORY = 64;
    private static final Duration FINAL_FLUSH_TIMEOUT = Duration.ofSeconds(10);

    private final SessionSettings settings;
    private final Function<SessionSupervisor, Mono<Void>> register;
    private final Runnable unregister;
    private final UpstreamConnector connector;
    private final CursorCommitter committer;
    private final Sinks.Many<SessionStatus> statuses = Sinks.many().replay().limit(STATUS_HISTORY);
    private final Sinks.Empty<Void> stopSignal = Sinks.empty();
    private final Sinks.Empty<Void> terminated = Sinks.empty();
    private final AtomicBoolean subscribed = new AtomicBoolean();

    private volatile SessionMachine machine;
    private volatile @Nullable Checkpoint committed;
    private volatile @Nullable String lastError;
    private volatile @Nullable Instant lastEventTime;
    private volatile boolean stopped;
    // Guarded by this object's lock.
    private @Nullable SessionAction next;
    /** Grows with every accepted operator command; events of older cycles are ignored. */
    private long generation;
    /** Fired to cut the running cycle short; a fresh one per cycle. */
    private Sinks.Empty<Void> cut = Sinks.empty();

    /**
     * A session, not started yet.
     *
     * @param settings what it needs
     * @param register called when the session starts; completes when the session may run (possibly
     *     after a previous session with the same key finished ending), errors to refuse it
     * @param unregister called once when a started session has ended and flushed its cursor
     */
    public SessionSupervisor(
            SessionSettings settings, Function<SessionSupervisor, Mono<Void>> register, Runnable unregister) {
        this.settings = settings;
        this.register = register;
        this.unregister = unregister;
        this.connector = new UpstreamConnector(
                settings.httpClient(),
                settings.protocol(),
                settings.heartbeatBudget(),
                settings.scheduler(),
                () -> new SseDecoder(settings.maxLineBytes(), settings.maxEventBytes()));
        this.committer = new CursorCommitter(
                settings.key(),
                settings.cursorStore(),
                settings.commitBatchSize(),
                settings.commitInterval(),
                settings.scheduler(),
                checkpoint -> committed = checkpoint);
        this.machine = SessionMachine.initial(new SessionRules(
                settings.request().mode(),
                settings.request().start(),
                settings.backoff(),
                settings.maxRetryAfter(),
                settings.jitter(),
                settings.authRefreshable(),
                settings.protocol().announcesReplay()));
    }

    @Override
    public String key() {
        return settings.key();
    }

    @Override
    public WatchRequest request() {
        return settings.request();
    }

    @Override
    public Flux<Notification> notifications() {
        return deliveries(Delivery::notification);
    }

    @Override
    public Flux<CheckpointedNotification> checkpointed() {
        return deliveries(delivery -> new CheckpointedNotification(delivery.notification(), delivery.checkpoint()));
    }

    private <T> Flux<T> deliveries(Function<Delivery, T> view) {
        // usingWhen: on completion and error the cursor is flushed and the key released before the
        // subscriber hears of it, so that retry() or repeat() can start the next session at once
        Flux<Delivery> session = Flux.usingWhen(
                Mono.defer(this::begin),
                started -> Flux.defer(this::cycle)
                        .repeat(() -> !machine.isTerminal())
                        .takeUntilOther(stopSignal.asMono()),
                started -> end("stopped"),
                (started, error) -> end("failed"),
                started -> end("cancelled"));
        Function<? super org.reactivestreams.Publisher<Delivery>, ? extends org.reactivestreams.Publisher<T>>
                commitAfterDelivery = Operators.<Delivery, T>lift((scannable, subscriber) ->
                new CommitAfterDelivery<T>(subscriber, view, delivery -> committer.delivered(delivery.checkpoint())));
        return Flux.from(commitAfterDelivery.apply(session));
    }

    /** Whether the session has ended or is ending (its cursor may still be flushing). */
    public boolean isEnding() {
        return machine.isTerminal();
    }

    /** Completes once the session has ended, flushed its cursor and released its key. */
    public Mono<Void> terminated() {
        return terminated.asMono();
    }

    private Mono<Boolean> begin() {
        if (!subscribed.compareAndSet(false, true)) {
            return Mono.error(new IllegalStateException(
                    "session " + key() + " was already subscribed; use WatchClient.watch() for a new one"));
        }
        return register.apply(this).then(Mono.fromCallable(() -> {
            committer.start();
            return Boolean.TRUE;
        }));
    }

    private Mono<Void> end(String reason) {
        return Mono.defer(() -> {
                    if (!machine.isTerminal()) {
                        apply(new SessionEvent.Stop(reason));
                    }
                    return committer.close();
                })
                .timeout(FINAL_FLUSH_TIMEOUT, settings.scheduler())
                .onErrorResume(error -> {
                    log.warn("event=session.final_commit_timeout session={} error=\"{}\"", key(), error.toString());
                    return Mono.empty();
                })
                .doFinally(signal -> {
                    unregister.run();
                    statuses.tryEmitComplete();
                    terminated.tryEmitEmpty();
                });
    }

    @Override
    public Flux<SessionStatus> status() {
        return statuses.asFlux();
    }

    @Override
    public SessionSnapshot snapshot() {
        SessionMachine now = machine;
        return new SessionSnapshot(
                key(),
                now.phase().state(),
                now.position(),
                committed,
                now.attempt(),
                lastError,
                lastEventTime,
                now.counters());
    }

    @Override
    public void stop() {
        stopped = true;
        stopSignal.tryEmitEmpty();
    }

    @Override
    public boolean reconnect() {
        return command(new SessionEvent.ReconnectRequested());
    }

    @Override
    public boolean moveCursor(Checkpoint checkpoint) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        return command(new SessionEvent.CursorMoved(checkpoint));
    }

    /**
     * Applies an operator command; when the machine took it (its pending action is now a {@link
     * Connect}), retires the running cycle's generation and cuts that cycle short.
     */
    private boolean command(SessionEvent event) {
        if (stopped) {
            return false; // ending: the machine may not have heard of it yet
        }
        Sinks.Empty<Void> running;
        synchronized (this) {
            Step step = apply(event);
            if (!(step.action() instanceof Connect)) {
                return false;
            }
            generation++;
            running = cut;
        }
        // outside the lock: the cut cycle ends here and the next one may start on this thread
        running.tryEmitEmpty();
        return true;
    }

    /** Performs the pending action: the first time, loading the checkpoint. */
    private Flux<Delivery> cycle() {
        SessionAction action;
        long cycleGeneration;
        Mono<Void> cutShort;
        synchronized (this) {
            action = next;
            cycleGeneration = generation;
            cut = Sinks.empty();
            cutShort = cut.asMono();
        }
        if (action == null) {
            return settings.cursorStore()
                    .load(key())
                    .map(checkpoint -> (SessionEvent) new SessionEvent.CheckpointLoaded(checkpoint))
                    .defaultIfEmpty(new SessionEvent.CheckpointLoaded(null))
                    .onErrorResume(error -> Mono.just(new SessionEvent.CheckpointLoadFailed(error)))
                    .flatMapMany(event -> applyBetweenConnections(event, cycleGeneration));
        }
        return switch (action) {
            case Connect connect -> connection(connect, cycleGeneration, cutShort);
            case Await await ->
                Mono.delay(await.delay(), settings.scheduler())
                        .takeUntilOther(cutShort)
                        .flatMapMany(
                                tick -> applyBetweenConnections(new SessionEvent.BackoffElapsed(), cycleGeneration));
            case RefreshAuth refresh ->
                settings.auth()
                        .refresh()
                        .then(Mono.<SessionEvent>just(new SessionEvent.AuthRefreshed()))
                        .onErrorResume(error -> Mono.just(credentialsUnavailable(error)))
                        .takeUntilOther(cutShort)
                        .flatMapMany(event -> applyBetweenConnections(event, cycleGeneration));
            case Fail fail -> Flux.error(fail.error());
            default -> Flux.empty();
        };
    }

    /**
     * One connection's deliveries. The cut comes before the machine sees the events: a notification
     * whose step was taken is handed on before the cut completes the cycle (the cut waits for it), and
     * one that arrives after the cut never reaches the machine.
     */
    private Flux<Delivery> connection(Connect connect, long connectionGeneration, Mono<Void> cutShort) {
        UpstreamCall call = settings.protocol().call(request(), connect.start());
        return settings.auth()
                .headers()
                .defaultIfEmpty(Map.of())
                .map(headers -> connector.open(call, headers))
                .onErrorResume(error -> Mono.just(Flux.just(credentialsUnavailable(error))))
                .flatMapMany(events -> events)
                .takeUntilOther(cutShort)
                .<Delivery>handle((event, sink) -> {
                    Step step = apply(event, connectionGeneration);
                    switch (step.action()) {
                        case Deliver deliver -> sink.next(new Delivery(deliver.notification(), deliver.checkpoint()));
                        case SessionAction.Continue ignored -> {}
                        case Fail fail -> sink.error(fail.error());
                        default -> sink.complete();
                    }
                });
    }

    /** A token endpoint that rejects the client (4xx) will not change its mind; anything else may pass. */
    private static SessionEvent credentialsUnavailable(Throwable error) {
        boolean permanent = error instanceof AuthException rejected
                && rejected.status().isPresent()
                && rejected.status().getAsInt() >= 400
                && rejected.status().getAsInt() < 500;
        return new SessionEvent.CredentialsUnavailable(error, permanent);
    }

    private Flux<Delivery> applyBetweenConnections(SessionEvent event, long eventGeneration) {
        Step step = apply(event, eventGeneration);
        return step.action() instanceof Fail fail ? Flux.error(fail.error()) : Flux.empty();
    }

    /**
     * Applies an event of the cycle started in {@code eventGeneration}; ignores it when an operator
     * command retired that generation since.
     */
    private synchronized Step apply(SessionEvent event, long eventGeneration) {
        if (eventGeneration != generation) {
            return new Step(machine, SessionAction.Continue.INSTANCE, null);
        }
        return apply(event);
    }

    private synchronized Step apply(SessionEvent event) {
        Step step = machine.on(event);
        machine = step.next();
        if (step.action().endsConnection()) {
            next = step.action();
        }
        if (event instanceof SessionEvent.Received) {
            lastEventTime = now();
        }
        if (step.change() != null) {
            publish(step.next(), step.change());
        }
        return step;
    }

    private void publish(SessionMachine now, SessionMachine.Change change) {
        SessionState state = now.phase().state();
        Duration delay = now.phase() instanceof BackingOff backingOff ? backingOff.delay() : null;
        SessionStatus status = new SessionStatus(state, change.reason(), change.detail(), now.attempt(), delay, now());
        boolean trouble = state == SessionState.BACKING_OFF
                || state == SessionState.FAILED
                || change.reason().equals("malformed_frame")
                || change.reason().equals("upstream_error");
        if (trouble) {
            lastError = change.reason() + (change.detail() == null ? "" : ": " + change.detail());
        }
        long delayMillis = delay == null ? 0 : delay.toMillis();
        // aviso gaps are normal (filters, shared counters): visible in status, quiet in logs
        Level level = state == SessionState.FAILED || change.reason().equals("malformed_frame")
                ? Level.WARN
                : change.reason().equals("gap") ? Level.DEBUG : Level.INFO;
        log.atLevel(level)
                .addKeyValue("session", key())
                .addKeyValue("upstream", settings.upstreamName())
                .addKeyValue("state", state.name())
                .addKeyValue("reason", change.reason())
                .addKeyValue("attempt", now.attempt())
                .log(
                        LOG_FORMAT,
                        change.reason(),
                        key(),
                        settings.upstreamName(),
                        state,
                        now.attempt(),
                        delayMillis,
                        change.detail());
        statuses.emitNext(status, Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
    }

    private static final String LOG_FORMAT =
            "event=session.{} session={} upstream={} state={} attempt={} delay_ms={} detail=\"{}\"";

    private Instant now() {
        return Instant.ofEpochMilli(settings.scheduler().now(TimeUnit.MILLISECONDS));
    }
}
