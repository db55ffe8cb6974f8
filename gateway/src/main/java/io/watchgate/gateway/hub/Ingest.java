package io.watchgate.gateway.hub;

import io.watchgate.core.SessionState;
import io.watchgate.core.WatchSession;
import java.util.Optional;
import reactor.core.publisher.Mono;

/** What feeds a hub session: an upstream watch session, or the local origin's publishers. */
public interface Ingest {

    /**
     * Starts feeding the session through {@link HubSession#append}.
     *
     * @return completes (or errors) when the ingest has ended and everything it received was handed
     *     to the journal
     */
    Mono<Void> run(HubSession session);

    /** Asks the ingest to end; what it already received is still journaled. */
    void stop();

    /**
     * The upstream watch session that feeds the hub session, once it runs; empty for the local
     * origin, which has no upstream.
     */
    default Optional<WatchSession> upstreamSession() {
        return Optional.empty();
    }

    /** The state of the feed: its upstream session's; the local origin is always {@code LIVE}. */
    default SessionState state() {
        return SessionState.LIVE;
    }
}
