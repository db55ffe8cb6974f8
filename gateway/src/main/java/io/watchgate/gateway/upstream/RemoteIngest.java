package io.watchgate.gateway.upstream;

import io.watchgate.core.CheckpointedNotification;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.Start;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.WatchSession;
import io.watchgate.gateway.hub.BatchWriter;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.Ingest;
import io.watchgate.store.StoreUnavailableException;
import io.watchgate.store.journal.JournalRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Feeds a hub session from an upstream watch session: notifications are journaled in batches (the
 * upstream waits while a batch is written), and the session resumes from the journal's position.
 *
 * <p>A store that is unavailable is retried without end: nothing received is dropped, and the
 * upstream is held back meanwhile.
 */
final class RemoteIngest implements Ingest {

    /** Retries what an unavailable store failed, without end: a session waits for its store. */
    static final Retry UNTIL_STORED = Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(5))
            .filter(StoreUnavailableException.class::isInstance);

    private final WatchClient client;
    private final WatchRequest request;
    private final @Nullable Start bootstrap;
    private final int batchSize;
    private final AtomicReference<@Nullable WatchSession> session = new AtomicReference<>();
    private volatile boolean stopped;

    /**
     * @param client the upstream's client
     * @param request what to watch, without a start
     * @param bootstrap where to start when the journal has no position yet ({@code null}: live)
     */
    RemoteIngest(WatchClient client, WatchRequest request, @Nullable Start bootstrap, int batchSize) {
        this.client = client;
        this.request = request;
        this.bootstrap = bootstrap;
        this.batchSize = batchSize;
    }

    @Override
    public Mono<Void> run(HubSession hub) {
        return hub.journal().position().hasElement().retryWhen(UNTIL_STORED).flatMap(journaled -> {
            WatchSession watch = client.session(journaled || bootstrap == null ? request : withStart(bootstrap));
            session.set(watch);
            if (stopped) {
                watch.stop();
            }
            AtomicReference<@Nullable SessionState> last = new AtomicReference<>();
            watch.status().subscribe(status -> {
                if (isRoutine(status)) {
                    hub.count(status);
                } else {
                    hub.record(status);
                }
                if (isNews(last.getAndSet(status.state()), status)) {
                    hub.publishStatus(status);
                }
            });
            JournalFeed feed = new JournalFeed(hub, batchSize);
            watch.checkpointed().map(RemoteIngest::record).subscribe(feed);
            return feed.finished();
        });
    }

    @Override
    public Optional<WatchSession> upstreamSession() {
        return Optional.ofNullable(session.get());
    }

    @Override
    public SessionState state() {
        WatchSession watch = session.get();
        return watch == null ? SessionState.CONNECTING : watch.snapshot().state();
    }

    @Override
    public void stop() {
        stopped = true;
        WatchSession watch = session.get();
        if (watch != null) {
            watch.stop();
        }
    }

    /**
     * Journals the session's notifications in batches: it asks the upstream session for as many as
     * two batches hold, and for more as batches are written, so memory stays bounded and a slow
     * store holds the upstream back.
     */
    private static final class JournalFeed extends BaseSubscriber<JournalRecord> {

        private final HubSession hub;
        private final int batchSize;
        private final BatchWriter<JournalRecord> writer;

        JournalFeed(HubSession hub, int batchSize) {
            this.hub = hub;
            this.batchSize = batchSize;
            this.writer = new BatchWriter<>(batchSize, batch -> hub.append(batch, UNTIL_STORED), this::request);
        }

        Mono<Void> finished() {
            return writer.finished();
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.request(2L * batchSize);
        }

        @Override
        protected void hookOnNext(JournalRecord record) {
            writer.offer(record);
        }

        @Override
        protected void hookOnComplete() {
            writer.complete();
        }

        @Override
        protected void hookOnError(Throwable error) {
            // the upstream session ended for good (rejected, ...): what arrived is still journaled
            hub.failed(error);
            writer.complete();
        }
    }

    private WatchRequest withStart(Start start) {
        return request instanceof WatchRequest.AvisoRequest aviso ? aviso.from(start) : request;
    }

    private static JournalRecord record(CheckpointedNotification delivered) {
        return new JournalRecord(delivered.notification(), delivered.checkpoint());
    }

    /**
     * Gaps are routine (aviso filters and shared counters make them, possibly by the thousand):
     * counted, not recorded among the session's transitions.
     */
    private static boolean isRoutine(SessionStatus status) {
        return "gap".equals(status.reason());
    }

    /** State changes, every backing-off attempt and upstream resets are news to subscribers. */
    private static boolean isNews(@Nullable SessionState previous, SessionStatus status) {
        return previous != status.state()
                || status.state() == SessionState.BACKING_OFF
                || "upstream_reset".equals(status.reason());
    }
}
