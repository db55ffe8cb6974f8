package io.watchgate.gateway.hub;

import io.watchgate.core.Notification;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
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
    private final AtomicReference<@Nullable End> end = new AtomicReference<>();
    private volatile @Nullable Runnable listener;
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

    /**
     * Offers one broadcast's live events, in order, and then tells the reader once, so that it hands
     * them on in one pass (and its connection sends them in one write). Returns {@code false} once
     * this queue no longer takes any: it had ended, or it filled up and is now {@link End#LAGGED}.
     * Before giving up on a full queue the reader is told, since it may make room at once.
     */
    boolean offerAll(List<JournaledEvent> events) {
        for (JournaledEvent event : events) {
            if (end.get() != null) {
                return false;
            }
            if (buffer.size() >= capacity) {
                tell();
                if (buffer.size() >= capacity) {
                    end(End.LAGGED);
                    return false;
                }
            }
            buffer.offer(event);
        }
        tell();
        return true;
    }

    /**
     * Ends the queue: what it holds is still delivered (unless it {@link End#LAGGED}), then the
     * subscriber's stream ends.
     */
    void end(End reason) {
        if (end.compareAndSet(null, reason)) {
            tell();
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

    /**
     * Who is told of each event and of the end: the subscriber's stream, which then takes them
     * with {@link #poll} (one reader at a time).
     */
    void listen(@Nullable Runnable listener) {
        this.listener = listener;
    }

    /** The oldest event not yet taken, or {@code null}. */
    @Nullable
    JournaledEvent poll() {
        return buffer.poll();
    }

    /** Drops the events not yet taken (by the reader). */
    void clear() {
        buffer.clear();
    }

    private void tell() {
        Runnable current = listener;
        if (current != null) {
            current.run();
        }
    }

    /** Why the queue ended, or {@code null} while it is open. */
    @Nullable
    public End endReason() {
        return end.get();
    }

    /** Events waiting to be written. */
    public int depth() {
        return buffer.size();
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
