package io.watchgate.gateway.hub;

import io.watchgate.core.SessionStatus;
import io.watchgate.store.journal.AppendResult;
import io.watchgate.store.journal.Journal;
import io.watchgate.store.journal.JournalEntry;
import io.watchgate.store.journal.JournalRecord;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
    /**
     * Copy-on-write by compare-and-set, never a lock: a subscriber leaving on an event loop while
     * the broadcast removes it (it lagged) must not wait for a monitor.
     */
    private final AtomicReference<SubscriberQueue[]> subscribers = new AtomicReference<>(new SubscriberQueue[0]);

    private final Sinks.Many<SessionStatus> status = Sinks.many().replay().latest();
    private final Sinks.Empty<Void> ended = Sinks.empty();
    private final AtomicLong newestOffset = new AtomicLong();
    private final AtomicLong journaled = new AtomicLong();

    // lifecycle, guarded by this
    private int users;
    private volatile boolean stopped;
    private @Nullable Disposable graceTimer;
    private @Nullable Ingest ingest;

    HubSession(SessionSpec spec, Journal journal, Clock clock) {
        this.spec = spec;
        this.journal = journal;
        this.clock = clock;
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
        return journal.append(records).retryWhen(retry).doOnNext(this::broadcast);
    }

    private void broadcast(AppendResult result) {
        newestOffset.accumulateAndGet(result.newestOffset(), Math::max);
        for (JournalEntry entry : result.appended()) {
            JournaledEvent event = new JournaledEvent(entry.offset(), entry.notification());
            for (SubscriberQueue subscriber : subscribers.get()) {
                if (!subscriber.offer(event)) {
                    remove(subscriber);
                }
            }
        }
        journaled.addAndGet(result.appended().size());
    }

    /** Reports a state change of the upstream session to subscribers. */
    public void publishStatus(SessionStatus change) {
        status.tryEmitNext(change);
    }

    /** The latest state change, then each new one. */
    public Flux<SessionStatus> status() {
        return status.asFlux();
    }

    /** Attaches a subscriber: from now on, every journaled notification is offered to it. */
    SubscriberQueue attach(int capacity) {
        SubscriberQueue queue = new SubscriberQueue(capacity, clock.instant());
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

    /** The attached subscribers. */
    public List<SubscriberQueue> subscribers() {
        return List.of(subscribers.get());
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
        log.info(
                "event=hub.session_started session={} upstream={} request=\"{}\" pinned={}",
                key(),
                spec.upstream(),
                spec.description(),
                spec.pinned());
        feed.run(this)
                .doFinally(signal -> finished())
                .subscribe(
                        null,
                        error -> log.warn("event=hub.session_failed session={} error=\"{}\"", key(), error.toString()));
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
            subscriber.end(SubscriberQueue.End.CLOSING);
        }
    }

    private void finished() {
        synchronized (this) {
            stopped = true;
        }
        for (SubscriberQueue subscriber : subscribers.get()) {
            subscriber.end(SubscriberQueue.End.SESSION_ENDED);
        }
        status.tryEmitComplete();
        ended.tryEmitEmpty();
        log.info("event=hub.session_ended session={} journaled={}", key(), journaled.get());
    }
}
