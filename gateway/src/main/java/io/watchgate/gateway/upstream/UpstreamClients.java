package io.watchgate.gateway.upstream;

import io.watchgate.core.BackoffPolicy;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchClient;
import io.watchgate.core.auth.AuthProvider;
import io.watchgate.core.auth.ClientCredentials;
import io.watchgate.gateway.config.WatchgateProperties;
import io.watchgate.gateway.config.WatchgateProperties.Auth;
import io.watchgate.gateway.config.WatchgateProperties.UpstreamProperties;
import io.watchgate.gateway.hub.HubObserver;
import io.watchgate.store.WatchgateStore;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The configured upstreams, each with its watch client. */
public final class UpstreamClients implements AutoCloseable {

    private final Map<String, RemoteUpstream> upstreams;

    /**
     * Builds a client per configured upstream; their sessions resume from the store's journal.
     *
     * @param observer told of cursor commits and bytes received
     */
    public UpstreamClients(WatchgateProperties properties, WatchgateStore store, HubObserver observer) {
        JournalPositions positions = new JournalPositions(store, observer);
        Map<String, RemoteUpstream> built = new LinkedHashMap<>();
        properties.upstreams().forEach((name, config) -> {
            WatchClient client = WatchClient.builder()
                    .upstream(upstream(name, config))
                    .auth(auth(config.auth()))
                    .cursorStore(positions)
                    .bytesReceived(bytes -> observer.upstreamBytes(name, bytes))
                    .heartbeatTimeout(config.heartbeatTimeout())
                    .backoff(new BackoffPolicy(
                            config.backoff().initial(),
                            config.backoff().multiplier(),
                            config.backoff().max(),
                            BackoffPolicy.DEFAULT.jitter()))
                    .build();
            built.put(name, new RemoteUpstream(name, client, properties.fanout().journalBatch()));
        });
        this.upstreams = Collections.unmodifiableMap(built);
    }

    /** The upstream of this name. */
    public Optional<RemoteUpstream> find(String name) {
        return Optional.ofNullable(upstreams.get(name));
    }

    /** Every configured upstream, by name. */
    public Map<String, RemoteUpstream> all() {
        return upstreams;
    }

    /** Ends every client's sessions, waiting for their final cursor commits. */
    public Mono<Void> closeGracefully() {
        return Flux.fromIterable(upstreams.values())
                .flatMap(upstream -> upstream.client().closeGracefully())
                .then();
    }

    @Override
    public void close() {
        upstreams.values().forEach(upstream -> upstream.client().close());
    }

    private static Upstream upstream(String name, UpstreamProperties config) {
        String url = Objects.requireNonNull(config.url());
        return switch (Objects.requireNonNull(config.protocol())) {
            case AVISO -> Upstream.aviso(URI.create(url)).named(name);
            case SSE -> Upstream.sse(url).named(name);
        };
    }

    private static AuthProvider auth(Auth auth) {
        return switch (auth.type().toLowerCase(Locale.ROOT)) {
            case "bearer" -> AuthProvider.bearer(Objects.requireNonNull(auth.token()));
            case "basic" ->
                AuthProvider.basic(Objects.requireNonNull(auth.username()), Objects.requireNonNull(auth.password()));
            case "oauth2" -> {
                ClientCredentials credentials = ClientCredentials.of(
                        URI.create(Objects.requireNonNull(auth.tokenUri())),
                        Objects.requireNonNull(auth.clientId()),
                        Objects.requireNonNull(auth.clientSecret()));
                yield AuthProvider.clientCredentials(new ClientCredentials(
                        credentials.tokenUri(),
                        credentials.clientId(),
                        credentials.clientSecret(),
                        auth.scope(),
                        credentials.expirySkew(),
                        credentials.timeout()));
            }
            default -> AuthProvider.none();
        };
    }
}
