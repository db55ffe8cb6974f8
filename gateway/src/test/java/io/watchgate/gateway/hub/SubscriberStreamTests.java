package io.watchgate.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.store.WatchgateStore;
import io.watchgate.store.journal.JournalRecord;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.Notifications;
import io.watchgate.store.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.retry.Retry;

/**
 * One subscriber's stream against a session journaling into a real (H2) store: the handover from
 * the journal to live events, demand, lagging, closing and status changes.
 */
class SubscriberStreamTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private TestDatabase database;
    private WatchgateStore store;
    private HubSession session;
    private final AtomicInteger flushes = new AtomicInteger();

    @BeforeEach
    void open() {
        database = TestDatabase.create(SubscriberStreamTests.class, Dialect.H2);
        store = database.store().open();
        String key = UUID.randomUUID().toString();
        SessionSpec spec = new SessionSpec(key, "test", "test", false, false, () -> {
            throw new UnsupportedOperationException("no ingest in this test");
        });
        session = new HubSession(spec, store.journal(key), Clock.systemUTC(), new HubObserver() {}, transition -> {});
    }

    @AfterEach
    void close() {
        store.close();
        database.close();
    }

    @Test
    void resumesFromTheJournalThenGoesLiveWithoutGapOrDuplicate() {
        append(1, 3);

        StepVerifier.create(stream(new StartPoint.AfterOffset(1), 16))
                .expectNextMatches(offset(2))
                .expectNextMatches(offset(3))
                .expectNext(new StreamItem.ReplayCompleted())
                .then(() -> append(4, 5))
                .expectNextMatches(offset(4))
                .expectNextMatches(offset(5))
                .thenCancel()
                .verify(TIMEOUT);

        assertThat(session.subscribers()).isEmpty();
    }

    @Test
    void aNotificationJournaledWhileTheReplayIsReadIsHandedOnOnce() {
        append(1, 3);
        List<Long> offsets = new java.util.ArrayList<>();

        StepVerifier.create(stream(new StartPoint.AfterOffset(0), 16))
                // attached before the replay is read: 4 is in the replay, or queued live, or both
                .then(() -> append(4, 4))
                .thenConsumeWhile(
                        item -> !(item instanceof StreamItem.Event event
                                && event.event().offset() == 4),
                        item -> {
                            if (item instanceof StreamItem.Event event) {
                                offsets.add(event.event().offset());
                            }
                        })
                .expectNextMatches(offset(4))
                .then(() -> append(5, 5))
                .thenConsumeWhile(item -> !(item instanceof StreamItem.Event), item -> {})
                .expectNextMatches(offset(5))
                .thenCancel()
                .verify(TIMEOUT);

        assertThat(offsets).containsExactly(1L, 2L, 3L);
    }

    @Test
    void handsOnOnlyWhatIsRequested() {
        Flux<StreamItem> stream = stream(new StartPoint.Live(), 16);

        StepVerifier.create(stream, 1)
                .then(() -> append(1, 3))
                .expectNextMatches(offset(1))
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> assertThat(session.subscribers().getFirst().depth()).isEqualTo(2))
                .thenRequest(2)
                .expectNextMatches(offset(2))
                .expectNextMatches(offset(3))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void flushesOnceAfterEachPassThatHandedItemsOnAndABroadcastIsOnePass() {
        StepVerifier.create(stream(new StartPoint.Live(), 16), 0)
                .then(() -> append(1, 3))
                .expectNoEvent(Duration.ofMillis(100))
                .then(() -> assertThat(flushes).as("nothing handed on yet").hasValue(0))
                .thenRequest(3) // one pass hands on all three
                .expectNextMatches(offset(1))
                .expectNextMatches(offset(2))
                .expectNextMatches(offset(3))
                .then(() -> assertThat(flushes).as("one flush for the three").hasValue(1))
                .thenRequest(Long.MAX_VALUE)
                .then(() -> append(4, 6)) // one journal batch: one broadcast
                .expectNextMatches(offset(4))
                .expectNextMatches(offset(5))
                .expectNextMatches(offset(6))
                .then(() ->
                        assertThat(flushes).as("one flush for the broadcast").hasValue(2))
                .then(() -> append(7, 7))
                .expectNextMatches(offset(7))
                .then(() -> assertThat(flushes).hasValue(3))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void aSubscriberThatFallsBehindByMoreThanItsQueueEndsWithLaggedAfterWhatItWasHanded() {
        StepVerifier.create(stream(new StartPoint.Live(), 2), 1)
                .then(() -> append(1, 4)) // 1 handed on, 2 and 3 queued, 4 overflows
                .expectNextMatches(offset(1))
                .then(() -> assertThat(session.attachedCount())
                        .as("cut off from the broadcast")
                        .isZero())
                .thenRequest(1)
                .expectNext(new StreamItem.Lagged(1))
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(session.subscribers()).as("gone once its stream ended").isEmpty();
    }

    @Test
    void closingComesAfterTheQueuedEvents() {
        StepVerifier.create(stream(new StartPoint.Live(), 16), 0)
                .then(() -> append(1, 2))
                .then(session::closeSubscribers)
                .thenRequest(10)
                .expectNextMatches(offset(1))
                .expectNextMatches(offset(2))
                .expectNext(new StreamItem.Closing())
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void statusChangesReachTheSubscriberBetweenEvents() {
        SessionStatus backingOff = new SessionStatus(
                SessionState.BACKING_OFF, "transport_error", null, 1, Duration.ofSeconds(1), Instant.now());

        StepVerifier.create(stream(new StartPoint.Live(), 16))
                .then(() -> append(1, 1))
                .expectNextMatches(offset(1))
                .then(() -> session.publishStatus(backingOff))
                .expectNext(new StreamItem.Status(backingOff))
                .then(() -> append(2, 2))
                .expectNextMatches(offset(2))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void aSubscriberThatAsksForNothingKeepsOnlyTheNewestStatusChanges() {
        List<SessionStatus> changes = IntStream.rangeClosed(1, 3 * SubscriberFlux.MAX_PENDING_STATUSES)
                .mapToObj(attempt -> new SessionStatus(
                        SessionState.BACKING_OFF,
                        "transport_error",
                        null,
                        attempt,
                        Duration.ofSeconds(1),
                        Instant.now()))
                .toList();
        List<StreamItem> newest =
                changes.subList(changes.size() - SubscriberFlux.MAX_PENDING_STATUSES, changes.size()).stream()
                        .<StreamItem>map(StreamItem.Status::new)
                        .toList();

        StepVerifier.create(stream(new StartPoint.Live(), 16), 0)
                .then(() -> changes.forEach(session::publishStatus))
                .thenRequest(Long.MAX_VALUE)
                .expectNextSequence(newest)
                .then(() -> append(1, 1)) // nothing older was left waiting ahead of it
                .expectNextMatches(offset(1))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void heartbeatsComeEveryIntervalAndOneAtMostWaitsForDemand() {
        Duration interval = Duration.ofSeconds(15);

        StepVerifier.withVirtualTime(() -> stream(new StartPoint.Live(), 16, interval, VirtualTimeScheduler.get()), 1)
                .expectSubscription()
                .expectNoEvent(interval.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(new StreamItem.Heartbeat())
                .thenAwait(interval.multipliedBy(3)) // no demand meanwhile: one is kept
                .thenRequest(5)
                .expectNext(new StreamItem.Heartbeat())
                .expectNoEvent(interval.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(new StreamItem.Heartbeat())
                .thenCancel()
                .verify(TIMEOUT);
    }

    private Flux<StreamItem> stream(StartPoint start, int capacity) {
        return stream(start, capacity, null, Schedulers.immediate());
    }

    private Flux<StreamItem> stream(StartPoint start, int capacity, @Nullable Duration heartbeat, Scheduler timer) {
        return SubscriberStream.open(
                session,
                start,
                "requested",
                notification -> true,
                capacity,
                SubscriberInfo.UNKNOWN,
                Runnable::run,
                heartbeat,
                timer,
                flushes::incrementAndGet);
    }

    private void append(long first, long last) {
        List<JournalRecord> records = LongStream.rangeClosed(first, last)
                .mapToObj(n -> JournalRecord.of(Notifications.mars(n)))
                .toList();
        session.append(records, Retry.max(0)).block(TIMEOUT);
    }

    private static java.util.function.Predicate<StreamItem> offset(long offset) {
        return item -> item instanceof StreamItem.Event event && event.event().offset() == offset;
    }
}
