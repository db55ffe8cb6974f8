package io.watchgate.gateway.hub;

import io.watchgate.core.Notification;
import io.watchgate.core.SessionStatus;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.concurrent.Queues;

/**
 * One subscriber's stream as a single source: the journal's replay, then the live events of the
 * subscriber's {@link SubscriberQueue}, with the session's status changes in between, and the
 * ending ({@code lagged}, {@code closing}) last. It emits only what the downstream asked for.
 *
 * <p>One drain loop, entered by whichever thread has news (the connection's event loop for live
 * events, the store's for replayed ones, the session's for statuses, the writer's for demand) and
 * run by one thread at a time, takes the items in this order: a status change when one is waiting;
 * otherwise the next replayed item while the replay lasts; otherwise the next live event. Events at
 * or below the last offset handed on are dropped (the handover from the journal to the queue may
 * overlap); replayed events pass the subscriber's filter (live ones were filtered by the hub). A
 * queue that overflowed ends the stream at once with {@link StreamItem.Lagged}, dropping what it
 * held; an ended queue ends it once its events are handed on, with {@link StreamItem.Closing} when
 * the gateway shuts down. Heartbeats, when asked for, come every interval ahead of everything else
 * (one at most is pending while there is no demand). Status changes wait for demand too, the newest
 * {@value #MAX_PENDING_STATUSES} at most: a client that stopped reading while its upstream keeps
 * reconnecting does not hold a growing backlog of them, and sees the latest ones when it reads
 * again.
 *
 * <p>It replaces a chain of some twenty operators and four sinks per subscriber: an idle
 * subscriber holds this object, its queue and two small inner subscribers.
 */
final class SubscriberFlux extends Flux<StreamItem> {

    /** How many replayed items are asked of the journal ahead of the downstream. */
    private static final int REPLAY_PREFETCH = 32;

    /** The most status changes kept for a downstream that asks for nothing: the newest ones. */
    static final int MAX_PENDING_STATUSES = 16;

    private static final StreamItem.Heartbeat HEARTBEAT = new StreamItem.Heartbeat();

    private final HubSession session;
    private final SubscriberQueue queue;
    private final @Nullable Flux<StreamItem> replay;
    private final Predicate<Notification> filter;
    private final long after;
    private final @Nullable Duration heartbeat;
    private final Scheduler timer;
    private final Runnable flush;

    /**
     * @param session the session the queue is attached to
     * @param queue the subscriber's queue, attached before the replay is read
     * @param replay the replayed items (ending with {@link StreamItem.ReplayCompleted}), or {@code
     *     null} for a stream that starts live
     * @param filter which notifications the subscriber wants (applied to replayed events)
     * @param after the offset after which events are handed on
     * @param heartbeat how often a {@link StreamItem.Heartbeat} is handed on, or {@code null} for
     *     never
     * @param timer where the heartbeats are timed
     * @param flush run after a drain pass that handed items on, on the thread that drained
     */
    SubscriberFlux(
            HubSession session,
            SubscriberQueue queue,
            @Nullable Flux<StreamItem> replay,
            Predicate<Notification> filter,
            long after,
            @Nullable Duration heartbeat,
            Scheduler timer,
            Runnable flush) {
        this.session = session;
        this.queue = queue;
        this.replay = replay;
        this.filter = filter;
        this.after = after;
        this.heartbeat = heartbeat;
        this.timer = timer;
        this.flush = flush;
    }

    @Override
    public void subscribe(CoreSubscriber<? super StreamItem> actual) {
        Drain drain = new Drain(actual, this);
        actual.onSubscribe(drain);
        drain.start();
    }

    /** The downstream's subscription and the drain loop. */
    static final class Drain implements Subscription, Runnable {

        private final CoreSubscriber<? super StreamItem> actual;
        private final HubSession session;
        private final SubscriberQueue queue;
        private final Predicate<Notification> filter;
        private final Queue<StreamItem> statuses =
                Queues.<StreamItem>unbounded(8).get();
        private final StatusInner statusInner = new StatusInner(this);
        private final @Nullable ReplayInner replayInner;
        private final @Nullable Flux<StreamItem> replay;
        private final @Nullable Duration heartbeat;
        private final Scheduler timer;
        private final Runnable flush;
        /** Whether items were handed on since the last flush. */
        private boolean unflushed;
        /** The heartbeat timer: disposed by {@link #finish}, also when that came first. */
        private final Disposable.Swap ticker = Disposables.swap();

        /** The last offset handed on (or skipped as already handed on). */
        private long seen;

        private boolean done;

        volatile long requested;
        static final AtomicLongFieldUpdater<Drain> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(Drain.class, "requested");

        volatile int wip;
        static final AtomicIntegerFieldUpdater<Drain> WIP = AtomicIntegerFieldUpdater.newUpdater(Drain.class, "wip");

        volatile boolean cancelled;

        /** A heartbeat is due: set by the timer, handed on (once) when there is demand. */
        volatile boolean heartbeatDue;

        Drain(CoreSubscriber<? super StreamItem> actual, SubscriberFlux flux) {
            this.actual = actual;
            this.session = flux.session;
            this.queue = flux.queue;
            this.filter = flux.filter;
            this.replay = flux.replay;
            this.replayInner = flux.replay == null ? null : new ReplayInner(this);
            this.seen = flux.after;
            this.heartbeat = flux.heartbeat;
            this.timer = flux.timer;
            this.flush = flux.flush;
        }

        void start() {
            if (heartbeat != null) {
                long nanos = heartbeat.toNanos();
                ticker.update(timer.schedulePeriodically(this::beat, nanos, nanos, TimeUnit.NANOSECONDS));
            }
            queue.listen(this);
            session.status().subscribe(statusInner);
            if (replay != null && replayInner != null) {
                replay.subscribe(replayInner);
            }
            drain();
        }

        private void beat() {
            heartbeatDue = true;
            drain();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            drain();
        }

        /** The queue has news: an event, or its end. */
        @Override
        public void run() {
            drain();
        }

        void drain() {
            if (WIP.getAndIncrement(this) != 0) {
                return;
            }
            int missed = 1;
            do {
                if (!done) {
                    try {
                        emit();
                        if (unflushed && !done) {
                            unflushed = false;
                            flush.run(); // while what was written is still in the cache
                        }
                    } catch (RuntimeException failure) { // a filter, the downstream or the flush threw
                        finish();
                        actual.onError(failure);
                    }
                }
                missed = WIP.addAndGet(this, -missed);
            } while (missed != 0);
        }

        /** Queues a status change of the session for the downstream. */
        void offerStatus(SessionStatus status) {
            statuses.offer(new StreamItem.Status(status));
            drain();
        }

        /** Keeps the newest {@value #MAX_PENDING_STATUSES} of the status changes waiting for demand. */
        private void dropOldestStatuses() {
            while (statuses.size() > MAX_PENDING_STATUSES) {
                statuses.poll(); // more are waiting than the downstream asked for
            }
        }

        private void emit() {
            dropOldestStatuses();
            long emitted = 0;
            long demand = requested;
            while (true) {
                if (cancelled) {
                    finish();
                    return;
                }
                if (queue.endReason() == SubscriberQueue.End.LAGGED) {
                    queue.clear(); // what it held will not be written
                    if (emitted == demand) {
                        break;
                    }
                    actual.onNext(new StreamItem.Lagged(lastHandedOn()));
                    finish();
                    actual.onComplete();
                    return;
                }
                if (emitted == demand) {
                    break;
                }
                if (heartbeatDue) {
                    heartbeatDue = false;
                    actual.onNext(HEARTBEAT);
                    unflushed = true;
                    emitted++;
                    continue;
                }
                StreamItem status = statuses.poll();
                if (status != null) {
                    actual.onNext(status);
                    unflushed = true;
                    emitted++;
                    continue;
                }
                ReplayInner replaying = replayInner;
                if (replaying != null && !replaying.finished()) {
                    // read before polling: an item offered before the end is then seen by the poll
                    boolean replayCompleted = replaying.completed;
                    Throwable error = replaying.error;
                    StreamItem item = replaying.items.poll();
                    if (item == null) {
                        if (error != null) {
                            finish();
                            actual.onError(error);
                            return;
                        }
                        if (!replayCompleted) {
                            break; // waiting for the journal
                        }
                        replaying.finish();
                        continue;
                    }
                    replaying.consumed();
                    if (item instanceof StreamItem.Event event && !wanted(event)) {
                        continue;
                    }
                    handOn(item);
                    emitted++;
                    continue;
                }
                SubscriberQueue.End end = queue.endReason(); // before polling, as above
                JournaledEvent live = queue.poll();
                if (live == null) {
                    if (end == null) {
                        break; // waiting for the session
                    }
                    if (end == SubscriberQueue.End.LAGGED) {
                        continue; // ends with lagged, above
                    }
                    if (end == SubscriberQueue.End.CLOSING) {
                        actual.onNext(new StreamItem.Closing());
                    }
                    finish();
                    actual.onComplete();
                    return;
                }
                StreamItem.Event event = new StreamItem.Event(live, false);
                if (!wanted(event)) {
                    continue;
                }
                handOn(event);
                emitted++;
            }
            if (emitted != 0 && demand != Long.MAX_VALUE) {
                REQUESTED.addAndGet(this, -emitted);
            }
        }

        /** Whether an event is new to this subscriber and, when replayed, passes its filter. */
        private boolean wanted(StreamItem.Event event) {
            long offset = event.event().offset();
            if (offset <= seen) {
                return false;
            }
            seen = offset;
            // live events were filtered by the hub before they were queued
            return !event.replayed() || filter.test(event.event().notification());
        }

        private void handOn(StreamItem item) {
            actual.onNext(item);
            unflushed = true;
            if (item instanceof StreamItem.Event) {
                session.delivered(queue);
            }
        }

        /**
         * The offset of the last event handed on: what a lagged client resumes after. Events
         * skipped by the filter count as handed on; the journal replays none of them again.
         */
        private long lastHandedOn() {
            return seen;
        }

        /** Stops every source and leaves the session; the downstream is told by the caller. */
        private void finish() {
            done = true;
            ticker.dispose();
            statusInner.cancel();
            if (replayInner != null) {
                replayInner.cancel();
            }
            queue.clear();
            statuses.clear();
            session.detach(queue);
            queue.listen(null); // the session's routes may keep the queue until its next broadcast
        }

        @Override
        public String toString() {
            return "SubscriberFlux.Drain[" + queue.info() + "]";
        }
    }

    /** Receives the session's status changes, as many as come (the drain keeps the newest for the downstream). */
    static final class StatusInner extends BaseSubscriber<SessionStatus> {

        private final Drain parent;

        StatusInner(Drain parent) {
            this.parent = parent;
        }

        @Override
        protected void hookOnNext(SessionStatus status) {
            parent.offerStatus(status);
        }

        @Override
        protected void hookOnError(Throwable error) {
            // the session's status stream does not fail; its end is the queue's end
        }
    }

    /** Receives the journal's replay, {@value #REPLAY_PREFETCH} items ahead at most. */
    static final class ReplayInner extends BaseSubscriber<StreamItem> {

        private final Drain parent;
        final Queue<StreamItem> items =
                Queues.<StreamItem>unbounded(REPLAY_PREFETCH).get();
        volatile boolean completed;
        volatile @Nullable Throwable error;
        private boolean finished;
        private int consumed;

        ReplayInner(Drain parent) {
            this.parent = parent;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.request(REPLAY_PREFETCH);
        }

        @Override
        protected void hookOnNext(StreamItem item) {
            items.offer(item);
            parent.drain();
        }

        @Override
        protected void hookOnError(Throwable failure) {
            error = failure;
            parent.drain();
        }

        @Override
        protected void hookOnComplete() {
            completed = true;
            parent.drain();
        }

        /** Called by the drain for each item it took: asks for more once a quarter was taken. */
        void consumed() {
            if (++consumed == REPLAY_PREFETCH / 4) {
                consumed = 0;
                request(REPLAY_PREFETCH / 4);
            }
        }

        boolean finished() {
            return finished;
        }

        void finish() {
            finished = true;
        }
    }
}
