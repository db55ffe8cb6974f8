package io.watchgate.gateway.local;

import io.watchgate.gateway.config.WatchgateProperties;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.hub.SessionSpec;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The built-in {@code local} origin: notifications published to the gateway itself, one stream
 * (and one hub session, always running) per event type, numbered from 1 per event type.
 *
 * <p>Sequences are assigned by this node: one node publishes to a store's local streams.
 */
public final class LocalOrigin {

    /** The CloudEvent {@code source} of local notifications. */
    public static final String SOURCE = "http://localhost";

    private final SessionHub hub;
    private final Clock clock;
    private final JsonMapper json;
    private final int batchSize;
    private final ConcurrentMap<String, Stream> streams = new ConcurrentHashMap<>();

    /** Creates the origin; its streams start on first use. */
    public LocalOrigin(SessionHub hub, Clock clock, JsonMapper json, int batchSize) {
        this.hub = hub;
        this.clock = clock;
        this.json = json;
        this.batchSize = batchSize;
    }

    /** The session key of an event type's stream. */
    public static String sessionKey(String eventType) {
        return WatchgateProperties.LOCAL + "/" + eventType;
    }

    /** Publishes a notification; completes with its sequence once it is journaled. */
    public Mono<Long> publish(LocalPublish publication) {
        return stream(publication.eventType()).ingest().publish(publication);
    }

    /** The hub session of an event type, started when needed. */
    public HubSession session(String eventType) {
        return stream(eventType).session();
    }

    /** The event types seen so far. */
    public Optional<HubSession> find(String eventType) {
        Stream stream = streams.get(eventType);
        return stream == null ? Optional.empty() : Optional.of(stream.session());
    }

    private Stream stream(String eventType) {
        Stream stream = streams.get(eventType);
        if (stream != null && !stream.session().isStopped()) {
            return stream;
        }
        synchronized (streams) {
            stream = streams.get(eventType);
            if (stream == null || stream.session().isStopped()) {
                LocalIngest ingest = new LocalIngest(eventType, SOURCE, clock, json, batchSize);
                HubSession session = hub.pin(new SessionSpec(
                        sessionKey(eventType),
                        WatchgateProperties.LOCAL,
                        "aviso:" + eventType,
                        true,
                        false,
                        () -> ingest));
                stream = new Stream(ingest, session);
                streams.put(eventType, stream);
            }
            return stream;
        }
    }

    private record Stream(LocalIngest ingest, HubSession session) {}
}
