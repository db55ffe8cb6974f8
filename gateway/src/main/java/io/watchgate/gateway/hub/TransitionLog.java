package io.watchgate.gateway.hub;

import io.watchgate.core.SessionStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A session's most recent transitions, oldest first. Lock-free (copy on write: transitions are
 * rare), so that readers on event loops never wait for the session's thread.
 */
final class TransitionLog {

    /** How many transitions are kept. */
    static final int CAPACITY = 50;

    private final AtomicReference<List<SessionStatus>> recent = new AtomicReference<>(List.of());

    void add(SessionStatus status) {
        recent.updateAndGet(all -> {
            List<SessionStatus> next = new ArrayList<>(Math.min(all.size() + 1, CAPACITY));
            next.addAll(all.size() < CAPACITY ? all : all.subList(all.size() - CAPACITY + 1, all.size()));
            next.add(status);
            return List.copyOf(next);
        });
    }

    List<SessionStatus> recent() {
        return recent.get();
    }
}
