package io.watchgate.gateway.config;

import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.upstream.UpstreamClients;
import io.watchgate.gateway.watch.WatchHandler;
import io.watchgate.gateway.watch.WatchQuery;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Starts the pinned sessions once the gateway is up, and on shutdown (before the web server drains
 * its requests) tells subscribers {@code closing}, stops every session and waits until what they
 * received is journaled and their cursors are flushed.
 */
final class GatewayLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GatewayLifecycle.class);
    private static final Duration SHUTDOWN_BUDGET = Duration.ofSeconds(15);

    private final WatchgateProperties properties;
    private final SessionHub hub;
    private final UpstreamClients upstreams;
    private final WatchHandler sessions;
    private volatile boolean running;

    GatewayLifecycle(WatchgateProperties properties, SessionHub hub, UpstreamClients upstreams, WatchHandler sessions) {
        this.properties = properties;
        this.hub = hub;
        this.upstreams = upstreams;
        this.sessions = sessions;
    }

    @Override
    public void start() {
        properties.upstreams().forEach((name, upstream) -> {
            for (String pinned : upstream.pinned()) {
                var query = UriComponentsBuilder.fromUriString("/?" + pinned)
                        .build()
                        .encode()
                        .getQueryParams();
                var decoded = new org.springframework.util.LinkedMultiValueMap<String, String>();
                query.forEach((key, values) -> values.forEach(value -> decoded.add(
                        org.springframework.web.util.UriUtils.decode(key, java.nio.charset.StandardCharsets.UTF_8),
                        value == null
                                ? ""
                                : org.springframework.web.util.UriUtils.decode(
                                        value, java.nio.charset.StandardCharsets.UTF_8))));
                try {
                    hub.pin(sessions.session(name, WatchQuery.parse(decoded, null), true));
                } catch (RuntimeException e) {
                    throw new IllegalStateException(
                            "watchgate.upstreams." + name + ".pinned: '" + pinned + "': " + e.getMessage(), e);
                }
            }
        });
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        long started = System.nanoTime();
        hub.close(SHUTDOWN_BUDGET).block(SHUTDOWN_BUDGET.plusSeconds(1));
        upstreams.closeGracefully().block(SHUTDOWN_BUDGET.plusSeconds(1));
        log.info("event=gateway.stopped sessions_flushed_in_ms={}", (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
