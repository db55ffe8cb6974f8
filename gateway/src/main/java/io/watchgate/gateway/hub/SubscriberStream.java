package io.watchgate.gateway.hub;

import io.watchgate.core.Notification;
import io.watchgate.store.journal.JournalBounds;
import io.watchgate.store.journal.JournalEntry;
import io.watchgate.store.journal.JournalStart;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One subscriber's stream: the journal from its start point, then live notifications, with no gap
 * and no duplicate at the handover.
 *
 * <p>The subscriber's queue is attached to the session <em>before</em> the journal is read, so a
 * notification is either in what the read returns or offered to the queue after it (broadcasts
 * follow commits); live events at or below the last replayed offset are dropped. A queue that
 * overflows ends the stream with {@link StreamItem.Lagged} at once, dropping what it held.
 */
public final class SubscriberStream {

    private SubscriberStream() {}

    /**
     * Opens a stream.
     *
     * @param session the shared session
     * @param start where to start
     * @param requested the start as the client gave it (for a {@code reset} event)
     * @param filter which notifications this subscriber wants
     * @param capacity the queue's capacity
     * @param info who the subscriber is, for operators
     * @param delivery where live notifications are offered to the stream: the connection's event
     *     loop, so it writes them without a thread hop ({@code Runnable::run}: the journal's thread)
     * @param heartbeat how often the stream carries a {@link StreamItem.Heartbeat}, or {@code null}
     *     for never
     * @param timer where heartbeats are timed
     * @param flush run on the thread that handed items on once it has handed on what was there: the
     *     transport's flush, so a burst leaves in one write while what was written is still in the
     *     cache ({@code () -> {}} where the transport flushes by itself)
     */
    public static Flux<StreamItem> open(
            HubSession session,
            StartPoint start,
            String requested,
            Predicate<Notification> filter,
            int capacity,
            SubscriberInfo info,
            Executor delivery,
            @Nullable Duration heartbeat,
            Scheduler timer,
            Runnable flush) {
        return Flux.defer(() -> {
            SubscriberQueue queue = session.attach(capacity, info, delivery, filter);
            long after = start instanceof StartPoint.AfterOffset offset ? offset.offset() : 0;
            Flux<StreamItem> replay = start instanceof StartPoint.Live
                    ? null
                    : replay(session, start, requested).concatWithValues(new StreamItem.ReplayCompleted());
            return new SubscriberFlux(session, queue, replay, filter, after, heartbeat, timer, flush);
        });
    }

    private static Flux<StreamItem> replay(HubSession session, StartPoint start, String requested) {
        return session.journal().bounds().flatMapMany(bounds -> switch (start) {
            case StartPoint.Live live -> Flux.empty();
            case StartPoint.AfterOffset after -> {
                if (after.offset() >= bounds.oldest() - 1 && after.offset() <= bounds.newest()) {
                    yield read(session, JournalStart.after(after.offset()));
                }
                yield Flux.concat(
                        Mono.just(new StreamItem.Reset(requested, bounds.oldest())),
                        read(session, JournalStart.after(bounds.oldest() - 1)));
            }
            case StartPoint.FromSequence from ->
                withResetCheck(
                        read(session, JournalStart.fromSequence(from.sequence())),
                        bounds,
                        requested,
                        entry -> entry.event().notification().sequence().orElse(Long.MAX_VALUE) > from.sequence());
            case StartPoint.FromTime from ->
                withResetCheck(
                        read(session, JournalStart.fromTime(from.time())),
                        bounds,
                        requested,
                        entry -> timeOf(entry.event()).isAfter(from.time()));
        });
    }

    private static Instant timeOf(JournaledEvent event) {
        Instant time = event.notification().time();
        return time == null ? Instant.MAX : time;
    }

    /**
     * Prepends a reset when the first entry read is the oldest kept, older entries were removed, and
     * that entry lies after the requested start: what was asked for is gone.
     */
    private static Flux<StreamItem> withResetCheck(
            Flux<StreamItem> entries,
            JournalBounds bounds,
            String requested,
            Predicate<StreamItem.Event> afterRequested) {
        return entries.switchOnFirst((first, flux) -> {
            if (first.hasValue()
                    && first.get() instanceof StreamItem.Event event
                    && bounds.oldest() > 1
                    && event.event().offset() == bounds.oldest()
                    && afterRequested.test(event)) {
                return Flux.concat(Mono.just(new StreamItem.Reset(requested, bounds.oldest())), flux);
            }
            return flux;
        });
    }

    private static Flux<StreamItem> read(HubSession session, JournalStart start) {
        return session.journal().read(start).map(SubscriberStream::replayed).doOnError(session::readFailed);
    }

    private static StreamItem replayed(JournalEntry entry) {
        return new StreamItem.Event(new JournaledEvent(entry.offset(), entry.notification()), true);
    }
}
