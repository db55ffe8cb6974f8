package io.watchgate.gateway.local;

import io.watchgate.core.Notification;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.gateway.hub.BatchWriter;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.Ingest;
import io.watchgate.store.journal.JournalRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Feeds one event type's hub session from publishers: each batch of publications gets the next
 * sequences of the event type, is journaled, and only then are its publishers answered. A batch
 * the store refuses fails its publishers (they may publish again); its sequences are reused.
 */
final class LocalIngest implements Ingest {

    private final String eventType;
    private final String source;
    private final Clock clock;
    private final JsonMapper json;
    private final BatchWriter<Pending> writer;
    private volatile @Nullable HubSession session;
    /** The next sequence to give, or 0 before it was read from the journal; only the writer touches it. */
    private long next;

    LocalIngest(String eventType, String source, Clock clock, JsonMapper json, int batchSize) {
        this.eventType = eventType;
        this.source = source;
        this.clock = clock;
        this.json = json;
        this.writer = new BatchWriter<>(batchSize, this::journal, written -> {});
    }

    /** Publishes; completes with the sequence once the notification is journaled. */
    Mono<Long> publish(LocalPublish publication) {
        Sinks.One<Long> done = Sinks.one();
        writer.offer(new Pending(publication, done));
        return done.asMono();
    }

    @Override
    public Mono<Void> run(HubSession hub) {
        session = hub;
        return writer.finished();
    }

    @Override
    public void stop() {
        writer.complete();
    }

    /** Journals one batch; never fails (a failure fails the batch's publishers instead). */
    private Mono<Void> journal(List<Pending> batch) {
        HubSession hub = session;
        if (hub == null) {
            batch.forEach(p -> p.done().tryEmitError(new IllegalStateException("the stream has not started")));
            return Mono.empty();
        }
        Mono<Long> first = next > 0
                ? Mono.just(next)
                : hub.journal().position().map(p -> p.sequence().orElse(0) + 1).defaultIfEmpty(1L);
        return first.flatMap(sequence -> {
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    List<JournalRecord> records = new ArrayList<>(batch.size());
                    for (int i = 0; i < batch.size(); i++) {
                        records.add(record(batch.get(i).publication(), sequence + i, now));
                    }
                    return hub.append(records, Retry.max(0)).doOnNext(result -> {
                        next = sequence + batch.size();
                        for (int i = 0; i < batch.size(); i++) {
                            batch.get(i).done().tryEmitValue(sequence + i);
                        }
                    });
                })
                .onErrorResume(error -> {
                    batch.forEach(publication -> publication.done().tryEmitError(error));
                    return Mono.empty();
                })
                .then();
    }

    private JournalRecord record(LocalPublish publication, long sequence, Instant time) {
        String id = eventType + "@" + sequence;
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

    private record Pending(LocalPublish publication, Sinks.One<Long> done) {}
}
