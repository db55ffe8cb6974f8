package io.watchgate.gateway.upstream;

import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.store.WatchgateStore;
import reactor.core.publisher.Mono;

/**
 * The cursor store of gateway sessions: a session resumes from its journal's position (what was
 * journaled last, never ahead of it), and its commits are recorded in the store's cursor table,
 * where operators see how far the upstream session has read.
 */
final class JournalPositions implements CursorStore {

    private final WatchgateStore store;

    JournalPositions(WatchgateStore store) {
        this.store = store;
    }

    @Override
    public Mono<Checkpoint> load(String sessionKey) {
        return store.journal(sessionKey).position();
    }

    @Override
    public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
        return store.cursors().commit(sessionKey, checkpoint);
    }
}
