package io.watchgate.gateway.hub;

import io.watchgate.core.Notification;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * One subscriber's bounded queue of live events. The hub offers each journaled event the
 * subscriber's filter wants; a full queue marks the subscriber as lagged instead of blocking the
 * hub or growing memory.
 *
 * <p>Events are offered on the queue's delivery executor (the subscriber's connection's event
 * loop), so the subscriber's stream runs and writes on that loop without a thread hop per event;
 * the hub hands each loop one task per broadcast for all of its subscribers.
 */
public final class SubscriberQueue {

    /** Why a queue stopped taking events. */
    public enum End {
        /** The subscriber fell behind by more than its queue. */
        LAGGED,
        /** The upstream session ended. */
        SESSION_ENDED,
        /** The gateway is shutting down. */
        CLOSING,
        /** The subscriber left. */
        DETACHED
    }

    private final Queue<JournaledEvent> buffer;
    private final int capacity;
    private final Sinks.Many<JournaledEvent> events;
    private final Sinks.Empty<Void> lagged = Sinks.empty();
    private final AtomicReference<@Nullable End> end = new AtomicReference<>();
    private final Instant since;
    private final SubscriberInfo info;
    private final AtomicLong delivered = new AtomicLong();
    private final Executor delivery;
    private final Predicate<Notification> filter;

    SubscriberQueue(
            int capacity, Instant since, SubscriberInfo info, Executor delivery, Predicate<Notification> filter) {
        // grows in small chunks as it fills: an idle subscriber does not hold a capacity-sized array
        this.buffer = Queues.<JournaledEvent>unbounded(16).get();
        this.capacity = capacity;
        this.events = Sinks.many().unicast().onBackpressureBuffer(buffer);
        this.since = since;
        this.info = info;
        this.delivery = delivery;
        this.filter = filter;
    }

    /** Which notifications the subscriber wants. */
    Predicate<Notification> filter() {
        return filter;
    }

    /** Where events are offered to this queue. */
    Executor delivery() {
        return delivery;
    }

    /** Offers a live event; returns {@code false} once this queue no longer takes any. */
    boolean offer(JournaledEvent event) {
        if (end.get() != null) {
            return false;
        }
        if (buffer.size() >= capacity || events.tryEmitNext(event).isFailure()) {
            if (end.compareAndSet(null, End.LAGGED)) {
                lagged.tryEmitEmpty();
            }
            return false;
        }
        return true;
    }

    /** Ends the queue: what it holds is still delivered, then the live stream completes. */
    void end(End reason) {
        if (end.compareAndSet(null, reason)) {
            events.tryEmitComplete();
        }
    }

    /** Ends the queue after the events already handed to its delivery executor. */
    void endAfterPending(End reason) {
        try {
            delivery.execute(() -> end(reason));
        } catch (RejectedExecutionException shutDown) {
            end(reason);
        }
    }

    /** The live events, in offset order; subscribe once. */
    Flux<JournaledEvent> live() {
        return events.asFlux();
    }

    /** Completes when the subscriber lagged. */
    Mono<Void> lagged() {
        return lagged.asMono();
    }

    /** Why the queue ended, or {@code null} while it is open. */
    @Nullable
    public End endReason() {
        return end.get();
    }

    /** Events waiting to be written. */
    public int depth() {
        return events.scanOrDefault(Scannable.Attr.BUFFERED, 0);
    }

    /** Notifications handed to the subscriber's connection so far. */
    public long delivered() {
        return delivered.get();
    }

    void countDelivered() {
        delivered.incrementAndGet();
    }

    /** When the subscriber attached. */
    public Instant since() {
        return since;
    }

    /** Who the subscriber is. */
    public SubscriberInfo info() {
        return info;
    }
}
