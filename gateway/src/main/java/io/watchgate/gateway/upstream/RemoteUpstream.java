package io.watchgate.gateway.upstream;

import io.watchgate.core.Start;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.gateway.hub.SessionSpec;
import org.jspecify.annotations.Nullable;

/**
 * A configured upstream and the client that reaches it.
 *
 * @param name the name used in URLs
 * @param client the watch client (one per upstream; its sessions journal through the store)
 * @param batchSize the most notifications journaled in one append
 */
public record RemoteUpstream(String name, WatchClient client, int batchSize) {

    /** The upstream's protocol. */
    public Upstream.Protocol protocol() {
        return client.upstream().protocol();
    }

    /**
     * The hub session of a request.
     *
     * @param request what to watch, without a start
     * @param bootstrap where the upstream session starts when nothing was journaled for it yet
     * @param pinned whether it runs without subscribers
     */
    public SessionSpec session(WatchRequest request, @Nullable Start bootstrap, boolean pinned) {
        return new SessionSpec(
                client.sessionKey(request),
                name,
                request.canonical(),
                pinned,
                true,
                () -> new RemoteIngest(client, request, bootstrap, batchSize));
    }
}
