package io.watchgate.core;

import io.watchgate.core.cursor.Checkpoint;
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

    /**
     * Drops the open upstream connection, or cuts a backoff wait or a credential refresh short, and
     * connects again at once, resuming after the last delivered notification. The attempt counter
     * starts over. Nothing is lost or delivered twice: what the old connection sends after this call
     * is ignored, and the new one resumes after the last notification the subscriber was given.
     *
     * @return whether the session took the request: {@code false} while it loads its checkpoint
     *     (it is about to connect anyway) and once it has ended
     */
    boolean reconnect();

    /**
     * Moves the session's position to {@code checkpoint} and reconnects from there, as {@link
     * #reconnect()} does: the next connection starts after it, and what follows is delivered and
     * committed with the checkpoint's epoch. Give a higher epoch than the session's to replay
     * notifications that were delivered before (consumers that deduplicate by epoch and sequence then
     * accept them again).
     *
     * @return whether the session took the request (see {@link #reconnect()})
     */
    boolean moveCursor(Checkpoint checkpoint);
}
