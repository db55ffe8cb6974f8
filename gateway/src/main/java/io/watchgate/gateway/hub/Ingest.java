package io.watchgate.gateway.hub;

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
}
