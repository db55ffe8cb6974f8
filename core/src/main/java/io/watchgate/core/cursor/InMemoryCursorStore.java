package io.watchgate.core.cursor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * A {@link CursorStore} in this JVM's memory: sessions resume across reconnects and across
 * sessions of one process, not across restarts. Thread-safe; commits never move a position
 * backwards.
 */
public final class InMemoryCursorStore implements CursorStore {

    private final Map<String, Checkpoint> checkpoints = new ConcurrentHashMap<>();

    /** An empty store. */
    public InMemoryCursorStore() {}

    @Override
    public Mono<Checkpoint> load(String sessionKey) {
        return Mono.fromSupplier(() -> checkpoints.get(sessionKey));
    }

    @Override
    public Mono<Boolean> commit(String sessionKey, Checkpoint checkpoint) {
        return Mono.fromSupplier(() -> {
            AtomicBoolean stored = new AtomicBoolean();
            checkpoints.compute(sessionKey, (key, current) -> {
                if (current == null || checkpoint.isAheadOf(current)) {
                    stored.set(true);
                    return checkpoint;
                }
                return current;
            });
            return stored.get();
        });
    }

    /** The stored checkpoints, a copy. */
    public Map<String, Checkpoint> snapshot() {
        return Map.copyOf(checkpoints);
    }
}
