package io.watchgate.gateway.upstream;

import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.gateway.hub.HubObserver;
import io.watchgate.store.WatchgateStore;
import reactor.core.publisher.Mono;

/**
 * The cursor store of gateway sessions: a session resumes from its journal's position (what was
 * journaled last, never ahead of it), and its commits are recorded in the store's cursor table,
 * where operators see how far the upstream session has read.
 */
final class JournalPositions implements CursorStore {

    private final WatchgateStore store;
    private final HubObserver observer;

    JournalPositions(WatchgateStore store, HubObserver observer) {
        this.store = store;
        this.observer = observer;
    }

    @Override
    public Mono<Checkpoint> load(String sessionKey) {
        // a store that is briefly unavailable must not fail a starting session for good
        return store.journal(sessionKey).position().retryWhen(RemoteIngest.UNTIL_STORED);
    }

    @Override
    public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
        return Mono.defer(() -> {
            long began = System.nanoTime();
            return store.cursors()
                    .commit(sessionKey, checkpoint)
                    .doOnSuccess(moved -> observer.cursorCommitted(System.nanoTime() - began))
                    .doOnError(error -> observer.storeFailed("cursor_commit", error));
        });
    }
}
