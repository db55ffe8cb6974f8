package io.watchgate.gateway.watch;

import io.watchgate.core.IdentifierFilter;
import io.watchgate.core.Notification;
import io.watchgate.core.Start;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchRequest;
import io.watchgate.gateway.aviso.AvisoBody;
import io.watchgate.gateway.config.WatchgateProperties;
import io.watchgate.gateway.hub.SessionSpec;
import io.watchgate.gateway.local.LocalOrigin;
import io.watchgate.gateway.upstream.RemoteUpstream;
import io.watchgate.gateway.upstream.UpstreamClients;
import io.watchgate.gateway.web.GatewayException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Which hub session a watch joins, and which of its notifications a subscriber wants: the local
 * origin's stream of an event type (filtered per subscriber), or a remote upstream's session of the
 * request (filtered by the upstream). Shared by {@code GET /watch/{upstream}} and aviso's {@code POST
 * /api/v1/watch} and {@code /api/v1/replay}.
 */
public final class SessionTargets {

    private final UpstreamClients upstreams;
    private final LocalOrigin local;

    /** Creates the resolver. */
    public SessionTargets(UpstreamClients upstreams, LocalOrigin local) {
        this.upstreams = upstreams;
        this.local = local;
    }

    /**
     * The target of a {@code GET /watch/{upstream}} query.
     *
     * @throws GatewayException 404 for an unknown upstream, 400 for a bad query
     */
    public Target of(String upstream, WatchQuery query, boolean pinned) {
        if (WatchgateProperties.LOCAL.equals(upstream)) {
            String eventType = query.requireEventType();
            if (!AvisoBody.isEventType(eventType)) {
                throw GatewayException.badRequest(
                        "INVALID_REQUEST", "event_type must be 1 to 128 letters, digits, '_', '.', ':' or '-'");
            }
            return local(eventType, query.filters());
        }
        RemoteUpstream remote = find(upstream);
        return switch (remote.protocol()) {
            case AVISO -> aviso(remote, query.requireEventType(), query.filters(), query.bootstrap(), pinned);
            case SSE -> {
                if (query.bootstrap() != null) {
                    throw GatewayException.badRequest(
                            "INVALID_REQUEST", "from_id and from_date apply to aviso upstreams; use Last-Event-ID");
                }
                yield new Target(
                        remote.session(WatchRequest.sse().variables(query.parameters()), null, pinned),
                        notification -> true);
            }
        };
    }

    /**
     * The target of an aviso watch or replay on an aviso upstream or the local origin.
     *
     * @param upstream the upstream's name, {@code local}, or {@code null} for the default: the only
     *     aviso upstream configured, else the local origin
     * @param eventType the event type
     * @param filters the identifier filters
     * @param bootstrap where a new upstream session starts when nothing was journaled for it yet
     * @throws GatewayException 404 for an unknown upstream; 400 for an SSE upstream, or when no
     *     upstream is named and several aviso upstreams are configured
     */
    public Target aviso(
            @Nullable String upstream,
            String eventType,
            Map<String, IdentifierFilter> filters,
            @Nullable Start bootstrap) {
        String name = upstream == null ? defaultAvisoUpstream() : upstream;
        if (WatchgateProperties.LOCAL.equals(name)) {
            return local(eventType, filters);
        }
        RemoteUpstream remote = find(name);
        if (remote.protocol() != Upstream.Protocol.AVISO) {
            throw GatewayException.badRequest(
                    "INVALID_REQUEST_SHAPE", "upstream '" + name + "' is not an aviso upstream");
        }
        return aviso(remote, eventType, filters, bootstrap, false);
    }

    private String defaultAvisoUpstream() {
        List<String> aviso = upstreams.all().values().stream()
                .filter(remote -> remote.protocol() == Upstream.Protocol.AVISO)
                .map(RemoteUpstream::name)
                .toList();
        if (aviso.size() > 1) {
            throw GatewayException.badRequest(
                    "INVALID_REQUEST_SHAPE",
                    "\"upstream\" is required: several aviso upstreams are configured " + aviso);
        }
        return aviso.isEmpty() ? WatchgateProperties.LOCAL : aviso.get(0);
    }

    private Target local(String eventType, Map<String, IdentifierFilter> filters) {
        return new Target(local.session(eventType).spec(), IdentifierMatcher.of(filters));
    }

    private static Target aviso(
            RemoteUpstream remote,
            String eventType,
            Map<String, IdentifierFilter> filters,
            @Nullable Start bootstrap,
            boolean pinned) {
        WatchRequest.AvisoRequest request = WatchRequest.aviso(eventType);
        for (Map.Entry<String, IdentifierFilter> filter : filters.entrySet()) {
            request = request.where(filter.getKey(), filter.getValue());
        }
        return new Target(remote.session(request, bootstrap, pinned), notification -> true);
    }

    private RemoteUpstream find(String upstream) {
        return upstreams
                .find(upstream)
                .orElseThrow(
                        () -> GatewayException.notFound("UNKNOWN_UPSTREAM", "no upstream named '" + upstream + "'"));
    }

    /**
     * A hub session and a subscriber's filter on it.
     *
     * @param spec the session to join
     * @param filter which of its notifications the subscriber wants (the local origin's sessions
     *     carry every notification of an event type)
     */
    public record Target(SessionSpec spec, Predicate<Notification> filter) {
        /** Checks the parts. */
        public Target {
            Objects.requireNonNull(spec);
            Objects.requireNonNull(filter);
        }
    }
}
