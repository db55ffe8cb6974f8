package io.watchgate.gateway.metrics;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationPredicate;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;

/**
 * Leaves the gateway's event streams out of the HTTP server observations ({@code
 * http.server.requests}): a stream lasts as long as its subscriber stays, so its duration says
 * nothing about the server, and an observation held open per subscriber costs memory for each of
 * thousands of idle connections. Streams are counted by the {@code watchgate_subscribers} meters
 * instead. Every other request is observed as usual.
 */
public final class StreamObservations implements ObservationPredicate {

    @Override
    public boolean test(String name, Observation.Context context) {
        return !(context instanceof ServerRequestObservationContext server
                && server.getCarrier() instanceof ServerHttpRequest request
                && isStream(request));
    }

    /** {@code GET /watch/…}, {@code POST /api/v1/watch} and the admin event streams. */
    static boolean isStream(ServerHttpRequest request) {
        String path = request.getPath().pathWithinApplication().value();
        return path.startsWith("/watch/")
                || path.equals("/api/v1/watch")
                || (path.startsWith("/admin/") && path.endsWith("/events"));
    }
}
