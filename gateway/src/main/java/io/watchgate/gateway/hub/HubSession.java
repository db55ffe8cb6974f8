package io.watchgate.gateway.hub;

import io.watchgate.core.Notification;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.WatchSession;
import io.watchgate.store.journal.AppendResult;
import io.watchgate.store.journal.Journal;
import io.watchgate.store.journal.JournalEntry;
import io.watchgate.store.journal.JournalRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * One shared session: its feed is journaled in batches, and each journaled notification is then
 * offered to every attached subscriber's queue, in offset order.
 *
 * <p>Appends run one at a time (the ingest waits for each), so broadcasts never overlap and
 * subscribers see offsets in increasing order.
 */
public final class HubSession {

    private static final Logger log = LoggerFactory.getLogger(HubSession.class);

    private final SessionSpec spec;
    private final Journal journal;
    private final Clock clock;
    private final HubObserver observer;
    private final Consumer<SessionTransition> transitionListener;
    private final Instant created;
    /**
     * Copy-on-write by compare-and-set, never a lock: a subscriber leaving on an event loop while
     * the broadcast removes it (it lagged) must not wait for a monitor.
     */
    private final AtomicReference<SubscriberQueue[]> subscribers = new AtomicReference<>(new SubscriberQueue[0]);
    /** Only the broadcast (one at a time) reads and replaces it. */
    private volatile SubscriberRoutes routes = SubscriberRoutes.NONE;

    private final Sinks.Many<SessionStatus> status = Sinks.many().replay().latest();
    private final Sinks.Empty<Void> ended = Sinks.empty();
    private final AtomicLong newestOffset = new AtomicLong();
    private final AtomicLong journaled = new AtomicLong();
    private final AtomicLong lagged = new AtomicLong();
    private volatile @Nullable Instant lastJournaled;
    /** Every subscriber whose stream is open, lagged ones included until their connection ends. */
    private final Set<SubscriberQueue> connected = ConcurrentHashMap.newKeySet();

    private final TransitionLog transitions = new TransitionLog();
    private final AtomicReference<@Nullable LastError> lastError = new AtomicReference<>();

    // lifecycle, guarded by this
    private int users;
    private volatile boolean stopped;
    private @Nullable Disposable graceTimer;
    private volatile @Nullable Ingest ingest;

    HubSession(
            SessionSpec spec,
            Journal journal,
            Clock clock,
            HubObserver observer,
            Consumer<SessionTransition> transitionListener) {
        this.spec = spec;
        this.journal = journal;
        this.clock = clock;
        this.observer = observer;
        this.transitionListener = transitionListener;
        this.created = clock.instant();
    }

    /** The session key. */
    public String key() {
        return spec.key();
    }

    /** What the session is. */
    public SessionSpec spec() {
        return spec;
    }

    /** The session's journal. */
    public Journal journal() {
        return journal;
    }

    /**
     * Journals a batch, then offers each new entry to every subscriber.
     *
     * @param retry how failures of the store are retried before the batch fails
     */
    public Mono<AppendResult> append(List<JournalRecord> records, Retry retry) {
        return Mono.defer(() -> {
                    long began = System.nanoTime();
                    return journal.append(records)
                            .doOnNext(result ->
                                    observer.journaled(spec.upstream(), records.size(), System.nanoTime() - began))
                            .doOnError(error -> observer.storeFailed("journal_append", error));
                })
                .retryWhen(retry)
                .doOnNext(this::broadcast);
    }

    private void broadcast(AppendResult result) {
        newestOffset.accumulateAndGet(result.newestOffset(), Math::max);
        if (result.appended().isEmpty()) {
            return;
        }
        List<JournaledEvent> events = new ArrayList<>(result.appended().size());
        for (JournalEntry entry : result.appended()) {
            events.add(new JournaledEvent(entry.offset(), entry.notification()));
        }
        journaled.addAndGet(events.size());
        lastJournaled = clock.instant();
        Map<Executor, List<Delivery>> byLoop = new IdentityHashMap<>();
        for (SubscriberRoutes.Route route : routes().routes()) {
            List<JournaledEvent> wanted = wanted(route.filter(), events);
            if (wanted.isEmpty()) {
                continue;
            }
            route.byLoop()
                    .forEach((loop, subscribers) -> byLoop.computeIfAbsent(loop, any -> new ArrayList<>())
                            .add(new Delivery(subscribers, wanted)));
        }
        byLoop.forEach((loop, deliveries) -> {
            try {
                loop.execute(() -> offer(deliveries));
            } catch (RejectedExecutionException shutDown) {
                offer(deliveries);
            }
        });
    }

    /** The subscribers grouped by filter, made again when they changed since the last broadcast. */
    private SubscriberRoutes routes() {
        SubscriberQueue[] all = subscribers.get();
        SubscriberRoutes current = routes;
        if (current.of() != all) {
            current = SubscriberRoutes.of(all);
            routes = current;
        }
        return current;
    }

    private static List<JournaledEvent> wanted(Predicate<Notification> filter, List<JournaledEvent> events) {
        List<JournaledEvent> wanted = new ArrayList<>(events.size());
        for (JournaledEvent event : events) {
            if (filter.test(event.notification())) {
                wanted.add(event);
            }
        }
        return wanted;
    }

    /** The events of one broadcast that some subscribers (of one filter, on one loop) want. */
    private record Delivery(List<SubscriberQueue> subscribers, List<JournaledEvent> events) {}

    /** Offers events to subscribers, in order; a subscriber that refuses one is removed. */
    private void offer(List<Delivery> deliveries) {
        for (Delivery delivery : deliveries) {
            for (SubscriberQueue subscriber : delivery.subscribers()) {
                offer(subscriber, delivery.events());
            }
        }
    }

    private void offer(SubscriberQueue subscriber, List<JournaledEvent> events) {
        if (!subscriber.offerAll(events)) {
            remove(subscriber);
            if (subscriber.endReason() == SubscriberQueue.End.LAGGED) {
                lagged.incrementAndGet();
                observer.lagged();
            }
        }
    }

    /**
     * Records a state change or incident of the upstream session, for operators (recent
     * transitions, last error, metrics); {@link #publishStatus} is what subscribers see.
     */
    public void record(SessionStatus change) {
        transitions.add(change);
        LastError error = LastError.of(change);
        if (error != null) {
            lastError.set(error);
        }
        SessionTransition transition = new SessionTransition(key(), spec.upstream(), change);
        observer.transition(transition);
        transitionListener.accept(transition);
    }

    /**
     * Counts a routine incident of the upstream session (an aviso gap), for metrics only: it is not
     * kept among the recent transitions nor streamed to operators, where a flood of them would push
     * the state changes out.
     */
    public void count(SessionStatus incident) {
        observer.transition(new SessionTransition(key(), spec.upstream(), incident));
    }

    /** Records the error that ended the session. */
    public void failed(Throwable cause) {
        lastError.updateAndGet(last -> last == null ? null : last.withCause(cause));
    }

    /** Reports a state change of the upstream session to subscribers. */
    public void publishStatus(SessionStatus change) {
        status.tryEmitNext(change);
    }

    /** The latest state change, then each new one. */
    public Flux<SessionStatus> status() {
        return status.asFlux();
    }

    /**
     * Attaches a subscriber: from now on, every journaled notification is offered to it.
     *
     * @param delivery where the notifications are offered (the subscriber's event loop)
     * @param filter which notifications it wants
     */
    SubscriberQueue attach(int capacity, SubscriberInfo info, Executor delivery, Predicate<Notification> filter) {
        SubscriberQueue queue = new SubscriberQueue(capacity, clock.instant(), info, delivery, filter);
        connected.add(queue);
        subscribers.updateAndGet(all -> {
            SubscriberQueue[] more = Arrays.copyOf(all, all.length + 1);
            more[all.length] = queue;
            return more;
        });
        if (isStopped()) {
            queue.end(SubscriberQueue.End.SESSION_ENDED);
        }
        return queue;
    }

    void detach(SubscriberQueue queue) {
        queue.end(SubscriberQueue.End.DETACHED);
        remove(queue);
        connected.remove(queue);
    }

    void readFailed(Throwable error) {
        observer.storeFailed("journal_read", error);
    }

    /** Counts a notification handed to this subscriber's connection. */
    void delivered(SubscriberQueue queue) {
        queue.countDelivered();
        observer.delivered();
    }

    private void remove(SubscriberQueue queue) {
        subscribers.updateAndGet(all -> {
            for (int i = 0; i < all.length; i++) {
                if (all[i] == queue) {
                    SubscriberQueue[] fewer = new SubscriberQueue[all.length - 1];
                    System.arraycopy(all, 0, fewer, 0, i);
                    System.arraycopy(all, i + 1, fewer, i, all.length - i - 1);
                    return fewer;
                }
            }
            return all;
        });
    }

    /** The subscribers whose stream is open (a lagged one until its connection ends). */
    public List<SubscriberQueue> subscribers() {
        return List.copyOf(connected);
    }

    /**
     * The subscribers the broadcast offers notifications to: {@link #subscribers()} without those
     * cut off for lagging.
     */
    public int attachedCount() {
        return subscribers.get().length;
    }

    /** Subscribers cut off because they fell behind, since the session started. */
    public long laggedCount() {
        return lagged.get();
    }

    /** When this node last journaled a notification for the session, or {@code null}. */
    public @Nullable Instant lastJournaled() {
        return lastJournaled;
    }

    /** When the session was created. */
    public Instant created() {
        return created;
    }

    /** The most recent transitions of the upstream session, oldest first (at most 50). */
    public List<SessionStatus> transitions() {
        return transitions.recent();
    }

    /** The last error the upstream session reported, or {@code null}. */
    public @Nullable LastError lastError() {
        return lastError.get();
    }

    /** The upstream watch session feeding this one, once it runs; empty for the local origin. */
    public Optional<WatchSession> upstreamSession() {
        Ingest feed = ingest;
        return feed == null ? Optional.empty() : feed.upstreamSession();
    }

    /** The session's state: its feed's, {@code STOPPED} once it stopped before its upstream ran. */
    public SessionState state() {
        Ingest feed = ingest;
        if (feed == null) {
            return stopped ? SessionState.STOPPED : SessionState.CONNECTING;
        }
        SessionState state = feed.state();
        return stopped && !state.isTerminal() && feed.upstreamSession().isEmpty() ? SessionState.STOPPED : state;
    }

    /** The newest offset this node journaled for the session, 0 before the first. */
    public long newestOffset() {
        return newestOffset.get();
    }

    /** Notifications this node journaled for the session. */
    public long journaledCount() {
        return journaled.get();
    }

    /** Completes when the session has ended and its feed was journaled. */
    public Mono<Void> ended() {
        return ended.asMono();
    }

    // --- lifecycle, driven by the hub ---

    synchronized boolean retain() {
        if (stopped) {
            return false;
        }
        users++;
        if (graceTimer != null) {
            graceTimer.dispose();
            graceTimer = null;
        }
        return true;
    }

    /** Returns {@code true} when the last user left an unpinned session. */
    synchronized boolean release() {
        users--;
        return users == 0 && !spec.pinned() && !stopped;
    }

    synchronized void graceTimer(Disposable timer) {
        if (graceTimer != null) {
            graceTimer.dispose();
        }
        graceTimer = timer;
    }

    /** Stops the session if nobody joined since; returns whether it stopped. */
    synchronized boolean stopIfUnused() {
        if (users > 0 || stopped) {
            return false;
        }
        stopLocked();
        return true;
    }

    /** Whether the session has stopped (or is stopping). */
    public boolean isStopped() {
        return stopped;
    }

    synchronized void start() {
        if (ingest != null || stopped) {
            return;
        }
        Ingest feed = spec.ingest().get();
        ingest = feed;
        observer.sessionStarted(this);
        log.atInfo()
                .addKeyValue("session", key())
                .addKeyValue("upstream", spec.upstream())
                .log(
                        "event=hub.session_started session={} upstream={} request=\"{}\" pinned={}",
                        key(),
                        spec.upstream(),
                        spec.description(),
                        spec.pinned());
        feed.run(this)
                .doFinally(signal -> finished())
                .subscribe(
                        null,
                        error -> log.atWarn()
                                .addKeyValue("session", key())
                                .log("event=hub.session_failed session={} error=\"{}\"", key(), error.toString()));
    }

    /** Stops the session: subscribers are ended with the given reason once the feed is journaled. */
    synchronized void stop() {
        stopLocked();
    }

    private void stopLocked() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (graceTimer != null) {
            graceTimer.dispose();
            graceTimer = null;
        }
        if (ingest != null) {
            ingest.stop();
        } else {
            finished();
        }
    }

    /** Tells every subscriber that the gateway is closing. */
    void closeSubscribers() {
        for (SubscriberQueue subscriber : subscribers.get()) {
            subscriber.endAfterPending(SubscriberQueue.End.CLOSING);
        }
    }

    private void finished() {
        synchronized (this) {
            stopped = true;
        }
        for (SubscriberQueue subscriber : subscribers.get()) {
            subscriber.endAfterPending(SubscriberQueue.End.SESSION_ENDED);
        }
        status.tryEmitComplete();
        ended.tryEmitEmpty();
        observer.sessionEnded(this);
        log.atInfo()
                .addKeyValue("session", key())
                .addKeyValue("upstream", spec.upstream())
                .log("event=hub.session_ended session={} journaled={}", key(), journaled.get());
    }
}
