package io.watchgate.core.cursor;

import reactor.core.publisher.Mono;

/**
 * Durable storage for session checkpoints: where a watch session resumes after a restart.
 *
 * <p>A session loads its checkpoint once, before its first connection, and commits the position
 * of notifications its subscriber has received (at least once: after the subscriber's {@code
 * onNext} returned), in batches. Implementations must be non-blocking (or move blocking work off
 * the caller's thread) and should never move a stored position backwards (see {@link
 * Checkpoint#isAheadOf(Checkpoint)}), so that a late or duplicate committer is harmless.
 */
public interface CursorStore {

    /**
     * The stored checkpoint of a session.
     *
     * @param sessionKey the session key ({@link io.watchgate.core.WatchClient#sessionKey})
     * @return the checkpoint, or empty when the session has none; an error when the store cannot be
     *     read (the session then fails with {@link io.watchgate.core.CursorStoreException})
     */
    Mono<Checkpoint> load(String sessionKey);

    /**
     * Stores a checkpoint unless the stored one is already at or ahead of it.
     *
     * @return {@code true} when the checkpoint was stored, {@code false} when the store kept a
     *     position that is not behind it
     */
    Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint);

    /** A store that keeps checkpoints in this JVM's memory: the default. */
    static CursorStore inMemory() {
        return new InMemoryCursorStore();
    }
}
