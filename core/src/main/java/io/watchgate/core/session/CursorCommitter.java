package io.watchgate.core.session;

import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Commits a session's checkpoints to its {@link CursorStore} in batches: after {@code batchSize}
 * delivered notifications, every {@code interval}, and once more when the session ends. At most
 * one commit is in flight; a newer checkpoint replaces a pending one (only the latest matters). A
 * failed commit is retried with the next batch or tick; at the end it is logged and dropped (the next
 * session then re-delivers from the last committed checkpoint: at least once).
 */
final class CursorCommitter {

    private static final Logger log = LoggerFactory.getLogger(CursorCommitter.class);

    private final String sessionKey;
    private final CursorStore store;
    private final int batchSize;
    private final Duration interval;
    private final Scheduler scheduler;
    private final Consumer<Checkpoint> onCommitted;

    private final AtomicReference<@Nullable Checkpoint> pending = new AtomicReference<>();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final Sinks.Empty<Void> drained = Sinks.empty();
    private volatile boolean closing;
    private int uncommitted;
    private @Nullable Disposable timer;

    CursorCommitter(
            String sessionKey,
            CursorStore store,
            int batchSize,
            Duration interval,
            Scheduler scheduler,
            Consumer<Checkpoint> onCommitted) {
        this.sessionKey = sessionKey;
        this.store = store;
        this.batchSize = batchSize;
        this.interval = interval;
        this.scheduler = scheduler;
        this.onCommitted = onCommitted;
    }

    /** Starts the interval timer. */
    void start() {
        timer = scheduler.schedulePeriodically(
                this::flush, interval.toNanos(), interval.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /**
     * The subscriber received the notification at this checkpoint. Called serially. After {@link
     * #close()} (a subscriber that cancels inside {@code onNext}, as {@code take(n)} does, gets here
     * after the session ended) the checkpoint is committed at once.
     */
    void delivered(Checkpoint checkpoint) {
        pending.set(checkpoint);
        if (++uncommitted >= batchSize || closing) {
            uncommitted = 0;
            flush();
        }
    }

    /** Flushes what is pending and stops; the Mono completes when the last commit finished. */
    Mono<Void> close() {
        closing = true;
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
        flush();
        return drained.asMono();
    }

    /** Starts a commit of the pending checkpoint unless one is in flight. */
    void flush() {
        if (!inFlight.compareAndSet(false, true)) {
            return;
        }
        Checkpoint checkpoint = pending.getAndSet(null);
        if (checkpoint == null) {
            inFlight.set(false);
            if (pending.get() != null) {
                flush();
            } else if (closing) {
                drained.tryEmitEmpty();
            }
            return;
        }
        // deferred: a store that throws instead of returning an error must not leave a commit
        // "in flight" for ever
        Mono.defer(() -> store.commit(sessionKey, checkpoint))
                .doOnNext(stored -> {
                    if (stored) {
                        onCommitted.accept(checkpoint);
                    }
                })
                .then(Mono.just(true))
                .onErrorResume(error -> {
                    onFailure(checkpoint, error);
                    return Mono.just(false);
                })
                .subscribe(committed -> {
                    inFlight.set(false);
                    if (committed || closing) {
                        flush();
                    }
                });
    }

    private void onFailure(Checkpoint checkpoint, Throwable error) {
        if (closing) {
            log.warn(
                    "event=session.commit_failed session={} cursor={} final=true error=\"{}\"",
                    sessionKey,
                    checkpoint.cursor(),
                    error.toString());
            return;
        }
        log.warn(
                "event=session.commit_failed session={} cursor={} error=\"{}\"",
                sessionKey,
                checkpoint.cursor(),
                error.toString());
        pending.compareAndSet(null, checkpoint);
    }
}
