package io.watchgate.gateway.local;

import io.watchgate.core.Notification;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.Ingest;
import io.watchgate.store.journal.AppendResult;
import io.watchgate.store.journal.JournalRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;
import reactor.util.retry.Retry;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Feeds one event type's hub session from publishers: each batch of publications gets the next
 * sequences of the event type, is journaled, and only then are its publishers answered.
 */
final class LocalIngest implements Ingest {

    private static final Duration BATCH_DELAY = Duration.ofMillis(2);

    private final String eventType;
    private final String source;
    private final Clock clock;
    private final JsonMapper json;
    private final int batchSize;
    // many publishers offer at once: an unsafe (unserialized) sink over a multi-producer queue
    private final Sinks.Many<Pending> pending = Sinks.unsafe()
            .many()
            .unicast()
            .onBackpressureBuffer(Queues.<Pending>unboundedMultiproducer().get());

    LocalIngest(String eventType, String source, Clock clock, JsonMapper json, int batchSize) {
        this.eventType = eventType;
        this.source = source;
        this.clock = clock;
        this.json = json;
        this.batchSize = batchSize;
    }

    /** Publishes; completes with the sequence once the notification is journaled. */
    Mono<Long> publish(LocalPublish publication) {
        Sinks.One<Long> done = Sinks.one();
        Sinks.EmitResult result = pending.tryEmitNext(new Pending(publication, done));
        if (result.isFailure()) {
            return Mono.error(new IllegalStateException("the " + eventType + " stream is closed"));
        }
        return done.asMono();
    }

    @Override
    public Mono<Void> run(HubSession session) {
        Flux<Pending> publications = pending.asFlux();
        return session.journal()
                .position()
                .map(position -> position.sequence().orElse(0))
                .defaultIfEmpty(0L)
                .flatMapMany(last -> {
                    long[] next = {last + 1};
                    return publications
                            .bufferTimeout(batchSize, BATCH_DELAY, true)
                            .concatMap(batch -> journal(session, batch, next), 1);
                })
                .then();
    }

    private Mono<AppendResult> journal(HubSession session, List<Pending> batch, long[] next) {
        Instant now = clock.instant();
        List<JournalRecord> records = new ArrayList<>(batch.size());
        long sequence = next[0];
        for (Pending publication : batch) {
            records.add(record(publication.publication(), sequence++, now));
        }
        long first = next[0];
        return session.append(records, Retry.max(0))
                .doOnNext(result -> {
                    next[0] = first + batch.size();
                    for (int i = 0; i < batch.size(); i++) {
                        batch.get(i).done().tryEmitValue(first + i);
                    }
                })
                .onErrorResume(error -> {
                    batch.forEach(publication -> publication.done().tryEmitError(error));
                    return Mono.empty();
                });
    }

    private JournalRecord record(LocalPublish publication, long sequence, Instant now) {
        String id = eventType + "@" + sequence;
        Instant time = now.truncatedTo(ChronoUnit.MICROS);
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        ObjectNode data = event.putObject("data");
        ObjectNode identifier = data.putObject("identifier");
        Map<String, String> sorted = new TreeMap<>(publication.identifier());
        sorted.forEach(identifier::put);
        if (publication.payload() == null) {
            data.putNull("payload");
        } else {
            data.set("payload", publication.payload());
        }
        event.put("datacontenttype", "application/json");
        event.put("dataschema", source + "/schema/" + eventType);
        event.put("id", id);
        event.put("source", source);
        event.put("specversion", "1.0");
        event.put("time", time.toString());
        event.put("type", "int.ecmwf.aviso." + eventType);
        String payload = publication.payload() == null ? null : json.writeValueAsString(publication.payload());
        Notification notification = new Notification(
                id, OptionalLong.of(sequence), eventType, time, sorted, payload, json.writeValueAsString(event));
        return new JournalRecord(notification, Checkpoint.of(id, sequence));
    }

    @Override
    public void stop() {
        pending.tryEmitComplete();
    }

    private record Pending(LocalPublish publication, Sinks.One<Long> done) {}
}
