package io.watchgate.core.session;

import io.watchgate.core.BackoffPolicy;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.auth.AuthProvider;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.core.protocol.UpstreamProtocol;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;

/**
 * Everything one session needs, assembled by {@link io.watchgate.core.WatchClient}.
 *
 * @param key the session key
 * @param upstreamName the upstream's name, for logs
 * @param request what to watch
 * @param protocol the upstream protocol
 * @param httpClient the configured HTTP client (its own connection provider)
 * @param auth the auth provider
 * @param authRefreshable whether a 401 is worth refreshing credentials for (an auth provider is
 *     configured)
 * @param cursorStore where checkpoints go
 * @param backoff reconnection backoff
 * @param maxRetryAfter cap on honoured {@code Retry-After}
 * @param heartbeatBudget silence after which a connection counts as starved
 * @param commitBatchSize commit after this many delivered notifications
 * @param commitInterval and at least this often while notifications arrive
 * @param maxLineBytes the SSE decoder's line limit
 * @param maxEventBytes the SSE decoder's event limit
 * @param scheduler timers (backoff, heartbeat budget, commit interval) and the status clock
 * @param jitter randomness for backoff jitter
 */
public record SessionSettings(
        String key,
        String upstreamName,
        WatchRequest request,
        UpstreamProtocol protocol,
        HttpClient httpClient,
        AuthProvider auth,
        boolean authRefreshable,
        CursorStore cursorStore,
        BackoffPolicy backoff,
        Duration maxRetryAfter,
        Duration heartbeatBudget,
        int commitBatchSize,
        Duration commitInterval,
        int maxLineBytes,
        int maxEventBytes,
        Scheduler scheduler,
        DoubleSupplier jitter) {}
