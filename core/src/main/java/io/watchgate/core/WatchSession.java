package io.watchgate.core;

import reactor.core.publisher.Flux;

/**
 * One watch session: a resilient upstream stream, its status and its position.
 *
 * <p>The session starts when {@link #notifications()} (or {@link #checkpointed()}) is subscribed (once; a second subscription
 * is refused) and ends when that subscription is cancelled, when {@link #stop()} or {@link
 * WatchClient#close()} is called (the Flux completes), when a replay-only session finished, or
 * when an error that retrying cannot fix occurs (the Flux errors with a {@link WatchException}).
 */
public interface WatchSession {

    /** The session key: see {@link WatchClient#sessionKey(WatchRequest)}. */
    String key();

    /** What the session watches. */
    WatchRequest request();

    /**
     * The notifications, in upstream order, without duplicates within a connection. Subscribe once.
     * Each notification's position is committed to the cursor store after this Flux's subscriber
     * received it (after its {@code onNext} returned), in batches.
     */
    Flux<Notification> notifications();

    /**
     * The same stream as {@link #notifications()}, each notification with the session's checkpoint
     * after it (epoch included), for consumers that store positions beside notifications. A session
     * is subscribed once: through this method or through {@link #notifications()}, not both.
     */
    Flux<CheckpointedNotification> checkpointed();

    /**
     * Every state transition and incident, as they happen. Hot: a new subscriber first gets the
     * most recent entries (up to 64), then live ones; completes when the session has ended.
     * Entries are emitted on the session's own thread while it decides: keep subscribers quick (or
     * {@code publishOn} another scheduler).
     */
    Flux<SessionStatus> status();

    /** The session as it is now. */
    SessionSnapshot snapshot();

    /** Ends the session: the notifications Flux completes, the connection closes, the cursor is flushed. */
    void stop();
}
