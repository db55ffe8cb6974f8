package io.watchgate.gateway.upstream;

import io.watchgate.core.CheckpointedNotification;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.core.Start;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.WatchSession;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.Ingest;
import io.watchgate.store.StoreUnavailableException;
import io.watchgate.store.journal.JournalRecord;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
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

    private static final Retry UNTIL_STORED = Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(5))
            .filter(StoreUnavailableException.class::isInstance);

    private final WatchClient client;
    private final WatchRequest request;
    private final @Nullable Start bootstrap;
    private final int batchSize;
    private final Duration batchDelay;
    private final AtomicReference<@Nullable WatchSession> session = new AtomicReference<>();
    private volatile boolean stopped;

    /**
     * @param client the upstream's client
     * @param request what to watch, without a start
     * @param bootstrap where to start when the journal has no position yet ({@code null}: live)
     */
    RemoteIngest(
            WatchClient client, WatchRequest request, @Nullable Start bootstrap, int batchSize, Duration batchDelay) {
        this.client = client;
        this.request = request;
        this.bootstrap = bootstrap;
        this.batchSize = batchSize;
        this.batchDelay = batchDelay;
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
            watch.status()
                    .filter(status -> isNews(last.getAndSet(status.state()), status))
                    .subscribe(hub::publishStatus);
            return watch.checkpointed()
                    .map(RemoteIngest::record)
                    .bufferTimeout(batchSize, batchDelay, true)
                    .concatMap(batch -> hub.append(batch, UNTIL_STORED), 1)
                    .then();
        });
    }

    @Override
    public void stop() {
        stopped = true;
        WatchSession watch = session.get();
        if (watch != null) {
            watch.stop();
        }
    }

    private WatchRequest withStart(Start start) {
        return request instanceof WatchRequest.AvisoRequest aviso ? aviso.from(start) : request;
    }

    private static JournalRecord record(CheckpointedNotification delivered) {
        return new JournalRecord(delivered.notification(), delivered.checkpoint());
    }

    /** State changes, every backing-off attempt and upstream resets are news to subscribers. */
    private static boolean isNews(@Nullable SessionState previous, SessionStatus status) {
        return previous != status.state()
                || status.state() == SessionState.BACKING_OFF
                || "upstream_reset".equals(status.reason());
    }
}
