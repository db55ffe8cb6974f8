package io.watchgate.core.session;

import io.watchgate.core.Notification;
import io.watchgate.core.SessionSnapshot.Counters;
import io.watchgate.core.Start;
import io.watchgate.core.UpstreamRejectedException;
import io.watchgate.core.WatchException;
import io.watchgate.core.WatchMode;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.session.SessionAction.Await;
import io.watchgate.core.session.SessionAction.Connect;
import io.watchgate.core.session.SessionAction.Continue;
import io.watchgate.core.session.SessionAction.Deliver;
import io.watchgate.core.session.SessionAction.Fail;
import io.watchgate.core.session.SessionAction.Finish;
import io.watchgate.core.session.SessionAction.RefreshAuth;
import io.watchgate.core.session.SessionEvent.AuthRefreshed;
import io.watchgate.core.session.SessionEvent.BackoffElapsed;
import io.watchgate.core.session.SessionEvent.CheckpointLoadFailed;
import io.watchgate.core.session.SessionEvent.CheckpointLoaded;
import io.watchgate.core.session.SessionEvent.ConnectionLost;
import io.watchgate.core.session.SessionEvent.Control;
import io.watchgate.core.session.SessionEvent.CredentialsUnavailable;
import io.watchgate.core.session.SessionEvent.CursorMoved;
import io.watchgate.core.session.SessionEvent.Malformed;
import io.watchgate.core.session.SessionEvent.Opened;
import io.watchgate.core.session.SessionEvent.Received;
import io.watchgate.core.session.SessionEvent.ReconnectRequested;
import io.watchgate.core.session.SessionEvent.Refused;
import io.watchgate.core.session.SessionEvent.RetryHint;
import io.watchgate.core.session.SessionEvent.ServerClosing;
import io.watchgate.core.session.SessionEvent.Stop;
import io.watchgate.core.session.SessionEvent.UpstreamError;
import io.watchgate.core.session.SessionPhase.BackingOff;
import io.watchgate.core.session.SessionPhase.Connecting;
import io.watchgate.core.session.SessionPhase.Failed;
import io.watchgate.core.session.SessionPhase.Live;
import io.watchgate.core.session.SessionPhase.Loading;
import io.watchgate.core.session.SessionPhase.RefreshingAuth;
import io.watchgate.core.session.SessionPhase.Replaying;
import io.watchgate.core.session.SessionPhase.Stopped;
import java.time.Duration;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The decisions of one watch session, as a pure function: {@code (machine, event) → (machine,
 * action, change)}. It performs no I/O and reads no clock; {@link SessionSupervisor} feeds it
 * events and performs its actions. Randomness for backoff jitter comes from {@link
 * SessionRules#jitter()}.
 *
 * <p>Rules, in short (the README's "Session behaviour" has the full table):
 *
 * <ul>
 *   <li>Start: an explicit start wins, else after the stored checkpoint, else live; a replay-only
 *       session without either fails.
 *   <li>Transport errors, premature ends, heartbeat starvation and 5xx back off exponentially; 429
 *       and 503 wait for {@code Retry-After} when given; the attempt counter resets when a
 *       notification arrives.
 *   <li>{@code connection-closing}: reconnect at once with the counter reset (a replay-only
 *       session that reached {@code end_of_stream} finishes instead).
 *   <li>401: refresh credentials once and retry at once; a second 401 before a connection opens,
 *       a 401 without an auth provider and every other 4xx are fatal. Credentials that cannot be
 *       had (a token endpoint that is down) back off; a token endpoint that rejects the client
 *       (4xx) is fatal.
 *   <li>Each reconnect resumes after the last delivered notification; {@code from_date} only
 *       bootstraps the first connection.
 *   <li>Within a connection, a sequence at or below the last delivered one is a duplicate and is
 *       dropped; a forward jump is a gap (delivered and reported); the first sequence of a new
 *       connection below the expected one is an upstream reset (reported, delivered, and the
 *       position's epoch grows so the cursor follows it).
 *   <li>Operator commands, in every phase between loading the checkpoint and the end (connecting,
 *       replaying, live, backing off, refreshing credentials): a reconnect request connects again at
 *       once after the last delivered notification; a cursor move makes the given checkpoint the
 *       last delivered position (its epoch the session's) and connects again at once after it. Both
 *       reset the attempt counter and the credential refresh, and the next connection starts afresh
 *       (its first notification is compared with the new position). While the checkpoint loads and
 *       once the session has ended they are ignored.
 * </ul>
 *
 * @param rules the fixed inputs
 * @param phase the current state
 * @param origin the resolved first start, used until something was delivered
 * @param position the last delivered position, or {@code null}
 * @param epoch the current epoch (see {@link Checkpoint})
 * @param attempt consecutive failed attempts
 * @param refreshedAuth whether credentials were refreshed since the last opened connection
 * @param deliveredOnConnection whether the open connection delivered a notification yet
 * @param retryHint a reconnection delay the upstream asked for (SSE {@code retry:}), or {@code
 *     null}
 * @param counters running totals
 */
public record SessionMachine(
        SessionRules rules,
        SessionPhase phase,
        Start origin,
        @Nullable Checkpoint position,
        long epoch,
        int attempt,
        boolean refreshedAuth,
        boolean deliveredOnConnection,
        @Nullable Duration retryHint,
        Counters counters) {

    /** The shortest reconnection delay an upstream's {@code retry:} can ask for. */
    static final Duration MIN_RETRY_HINT = Duration.ofMillis(100);

    /** A new session, waiting for its checkpoint. */
    public static SessionMachine initial(SessionRules rules) {
        return new SessionMachine(rules, new Loading(), Start.live(), null, 0, 0, false, false, null, Counters.ZERO);
    }

    /**
     * The outcome of one event.
     *
     * @param next the machine after the event
     * @param action what to do
     * @param change the status entry to publish, or {@code null} when nothing observable changed
     */
    public record Step(
            SessionMachine next,
            SessionAction action,
            @Nullable Change change) {}

    /**
     * A status-worthy change: a new state, or an incident in the same state.
     *
     * @param reason the stable event name
     * @param detail human-readable detail, or {@code null}
     */
    public record Change(String reason, @Nullable String detail) {}

    /** Whether the session has ended. */
    public boolean isTerminal() {
        return phase instanceof Stopped || phase instanceof Failed;
    }

    /** The start of the next connection: after the last delivered notification, else the origin. */
    public Start resumeStart() {
        return position == null ? origin : Start.after(position);
    }

    /** Applies one event. */
    public Step on(SessionEvent event) {
        if (isTerminal()) {
            return stay(Continue.INSTANCE);
        }
        return switch (event) {
            case CheckpointLoaded loaded -> onCheckpoint(loaded.checkpoint());
            case CheckpointLoadFailed failed ->
                fail(new io.watchgate.core.CursorStoreException(failed.cause()), "store_failed");
            case Opened opened -> onOpened();
            case Control control -> onControl(control.kind());
            case Received received -> onNotification(received.notification());
            case Malformed malformed ->
                new Step(
                        withCounters(counters.plusMalformed()),
                        Continue.INSTANCE,
                        new Change("malformed_frame", malformed.kind() + ": " + malformed.detail()));
            case UpstreamError error -> step(Continue.INSTANCE, new Change("upstream_error", error.detail()));
            case RetryHint hint ->
                new Step(
                        withRetryHint(hint.delay().compareTo(MIN_RETRY_HINT) < 0 ? MIN_RETRY_HINT : hint.delay()),
                        Continue.INSTANCE,
                        null);
            case ServerClosing closing -> onServerClosing(closing.reason());
            case ConnectionLost lost -> backOff(null, lost.reason().eventName(), lost.detail());
            case Refused refused -> onRefused(refused);
            case BackoffElapsed elapsed ->
                phase instanceof BackingOff ? connect(resumeStart(), "reconnecting", null) : stay(Continue.INSTANCE);
            case AuthRefreshed refreshed ->
                phase instanceof RefreshingAuth
                        ? with(new Connecting(resumeStart()), attempt, true, false)
                                .step(new Connect(resumeStart()), new Change("auth_refreshed", null))
                        : stay(Continue.INSTANCE);
            case CredentialsUnavailable unavailable ->
                unavailable.permanent()
                        ? fail(
                                new WatchException(
                                        "the auth provider cannot provide credentials: " + unavailable.cause(),
                                        unavailable.cause()),
                                "auth_failed")
                        : backOff(
                                null,
                                "credentials_unavailable",
                                unavailable.cause().toString());
            case Stop stop ->
                withPhase(new Stopped(stop.reason())).step(new Finish(), new Change("stopped", stop.reason()));
            case ReconnectRequested requested -> onReconnectRequested();
            case CursorMoved moved -> onCursorMoved(moved.checkpoint());
        };
    }

    /** Whether operator commands apply: after the checkpoint loaded, before the end. */
    private boolean takesCommands() {
        return phase instanceof Connecting
                || phase instanceof Replaying
                || phase instanceof Live
                || phase instanceof BackingOff
                || phase instanceof RefreshingAuth;
    }

    private Step onReconnectRequested() {
        if (!takesCommands()) {
            return stay(Continue.INSTANCE);
        }
        Start start = resumeStart();
        return with(new Connecting(start), 0, false, false)
                .step(new Connect(start), new Change("reconnect_requested", describe(start)));
    }

    private Step onCursorMoved(Checkpoint moved) {
        if (!takesCommands()) {
            return stay(Continue.INSTANCE);
        }
        Start start = Start.after(moved);
        SessionMachine next = new SessionMachine(
                rules, new Connecting(start), origin, moved, moved.epoch(), 0, false, false, retryHint, counters);
        return next.step(new Connect(start), new Change("cursor_moved", "after " + moved.cursor()));
    }

    private Step onCheckpoint(@Nullable Checkpoint stored) {
        if (!(phase instanceof Loading)) {
            return stay(Continue.INSTANCE);
        }
        long storedEpoch = stored == null ? 0 : stored.epoch();
        Start start;
        Checkpoint resumeFrom = null;
        if (rules.explicitStart() != null) {
            start = rules.explicitStart();
        } else if (stored != null) {
            start = Start.after(stored);
            resumeFrom = stored;
        } else if (rules.mode() == WatchMode.REPLAY_ONLY) {
            return fail(
                    new WatchException("a replay-only session needs a start: give the request fromSequence or"
                            + " fromDate, or commit a checkpoint for it first"),
                    "no_start");
        } else {
            start = Start.live();
        }
        SessionMachine next = new SessionMachine(
                rules, new Connecting(start), start, resumeFrom, storedEpoch, 0, false, false, retryHint, counters);
        return next.step(new Connect(start), new Change("connecting", describe(start)));
    }

    private Step onOpened() {
        if (!(phase instanceof Connecting connecting)) {
            return stay(Continue.INSTANCE);
        }
        SessionPhase opened = rules.replays(connecting.start()) ? new Replaying() : new Live();
        return with(opened, attempt, false, false)
                .withCounters(counters.plusConnection())
                .step(Continue.INSTANCE, new Change("connected", describe(connecting.start())));
    }

    private Step onControl(SessionEvent.ControlKind kind) {
        return switch (kind) {
            case REPLAY_STARTED -> stay(Continue.INSTANCE);
            case REPLAY_COMPLETED ->
                phase instanceof Replaying && rules.mode() == WatchMode.WATCH
                        ? withPhase(new Live()).step(Continue.INSTANCE, new Change("replay_completed", null))
                        : stay(Continue.INSTANCE);
            case LIVE_STARTED ->
                phase instanceof Replaying
                        ? withPhase(new Live()).step(Continue.INSTANCE, new Change("live", null))
                        : stay(Continue.INSTANCE);
        };
    }

    private Step onNotification(Notification notification) {
        if (!(phase instanceof Replaying || phase instanceof Live)) {
            return stay(Continue.INSTANCE);
        }
        OptionalLong sequence = notification.sequence();
        OptionalLong last = position == null ? OptionalLong.empty() : position.sequence();
        long nextEpoch = epoch;
        Change change = null;
        Counters next = counters;
        if (sequence.isPresent() && last.isPresent()) {
            long seq = sequence.getAsLong();
            long expected = last.getAsLong() + 1;
            if (deliveredOnConnection && seq < expected) {
                return new Step(withCounters(counters.plusDuplicate()), Continue.INSTANCE, null);
            }
            if (seq < expected) {
                nextEpoch = epoch + 1;
                next = next.plusReset();
                change = new Change("upstream_reset", "expected sequence " + expected + " or later, got " + seq);
            } else if (seq > expected) {
                next = next.plusGap();
                change = new Change(
                        "gap",
                        "expected sequence " + expected + ", got " + seq + " (" + (seq - expected) + " missing)");
            }
        }
        next = next.plusDelivered();
        if (sequence.isEmpty() && position != null && position.cursor().equals(notification.cursor())) {
            // an SSE event without an id of its own keeps the previous id, and so its sequence
            sequence = position.sequence();
        }
        Checkpoint checkpoint = new Checkpoint(notification.cursor(), sequence, nextEpoch);
        SessionMachine after = new SessionMachine(
                rules, phase, origin, checkpoint, nextEpoch, 0, refreshedAuth, true, retryHint, next);
        return after.step(new Deliver(notification, checkpoint), change);
    }

    private Step onServerClosing(String reason) {
        if (rules.mode() == WatchMode.REPLAY_ONLY && "end_of_stream".equals(reason)) {
            return withPhase(new Stopped("replay completed")).step(new Finish(), new Change("replay_finished", reason));
        }
        return with(phase, 0, false, false).connect(resumeStart(), "server_closing", reason);
    }

    private Step onRefused(Refused refused) {
        int status = refused.status();
        if (status == 401) {
            if (rules.canRefreshAuth() && !refreshedAuth) {
                return withPhase(new RefreshingAuth())
                        .step(new RefreshAuth(), new Change("unauthorized", "HTTP 401; refreshing credentials"));
            }
            String why = rules.canRefreshAuth()
                    ? "rejected again after refreshing credentials"
                    : "rejected: no auth provider can refresh credentials";
            return fail(
                    new UpstreamRejectedException(status, refused.body(), refused.requestId(), "upstream " + why),
                    "unauthorized");
        }
        if (status == 429 || status == 503) {
            Duration retryAfter = refused.retryAfter();
            if (retryAfter != null) {
                Duration bounded = retryAfter.compareTo(rules.maxRetryAfter()) > 0 ? rules.maxRetryAfter() : retryAfter;
                return backOff(
                        bounded, "retry_after", "HTTP " + status + ", Retry-After " + retryAfter.toMillis() + " ms");
            }
            return backOff(null, "server_error", "HTTP " + status);
        }
        if (status >= 500 && status <= 599) {
            return backOff(null, "server_error", "HTTP " + status);
        }
        return fail(
                new UpstreamRejectedException(
                        status, refused.body(), refused.requestId(), "upstream rejected the watch"),
                "rejected");
    }

    private Step backOff(@Nullable Duration fixedDelay, String reason, String detail) {
        if (!(phase instanceof Connecting
                || phase instanceof Replaying
                || phase instanceof Live
                || phase instanceof RefreshingAuth)) {
            return stay(Continue.INSTANCE);
        }
        int nextAttempt = attempt + 1;
        Duration delay;
        if (fixedDelay != null) {
            // a Retry-After of 0 or in the past must not turn into a tight reconnection loop
            delay = fixedDelay.compareTo(rules.backoff().initial()) < 0
                    ? rules.backoff().initial()
                    : fixedDelay;
        } else {
            var policy = retryHint == null ? rules.backoff() : rules.backoff().withInitial(retryHint);
            delay = policy.delay(nextAttempt, rules.jitter().getAsDouble());
        }
        return with(new BackingOff(delay), nextAttempt, refreshedAuth, false)
                .step(new Await(delay), new Change(reason, detail));
    }

    private Step connect(Start start, String reason, @Nullable String detail) {
        return withPhase(new Connecting(start)).step(new Connect(start), new Change(reason, detail));
    }

    private Step fail(WatchException error, String reason) {
        return withPhase(new Failed(error)).step(new Fail(error), new Change(reason, error.getMessage()));
    }

    private Step stay(SessionAction action) {
        return new Step(this, action, null);
    }

    private Step step(SessionAction action, @Nullable Change change) {
        return new Step(this, action, change);
    }

    private SessionMachine withPhase(SessionPhase next) {
        return with(next, attempt, refreshedAuth, deliveredOnConnection);
    }

    /** The same session in another phase, with the per-attempt and per-connection fields given. */
    private SessionMachine with(
            SessionPhase nextPhase, int nextAttempt, boolean nextRefreshedAuth, boolean nextDeliveredOnConnection) {
        return new SessionMachine(
                rules,
                nextPhase,
                origin,
                position,
                epoch,
                nextAttempt,
                nextRefreshedAuth,
                nextDeliveredOnConnection,
                retryHint,
                counters);
    }

    private SessionMachine withCounters(Counters next) {
        return new SessionMachine(
                rules, phase, origin, position, epoch, attempt, refreshedAuth, deliveredOnConnection, retryHint, next);
    }

    private SessionMachine withRetryHint(Duration hint) {
        return new SessionMachine(
                rules, phase, origin, position, epoch, attempt, refreshedAuth, deliveredOnConnection, hint, counters);
    }

    private static String describe(Start start) {
        return switch (start) {
            case Start.Live live -> "live";
            case Start.FromSequence from -> "from sequence " + from.sequence();
            case Start.FromDate from -> "from " + from.time();
            case Start.After after -> "after " + after.checkpoint().cursor();
        };
    }
}
