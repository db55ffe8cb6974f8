package io.watchgate.core.session;

import io.watchgate.core.BackoffPolicy;
import io.watchgate.core.Start;
import io.watchgate.core.WatchMode;
import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The fixed inputs of a {@link SessionMachine}: what the session asked for and how it recovers.
 *
 * @param mode watch or replay only
 * @param explicitStart the request's start, which wins over the stored checkpoint; or {@code null}
 * @param backoff the reconnection backoff
 * @param maxRetryAfter the longest {@code Retry-After} honoured; longer ones are cut to this
 * @param jitter the source of randomness for backoff jitter (values in {@code [0, 1)})
 * @param canRefreshAuth whether an auth provider can refresh credentials after a 401
 * @param replayMarkers whether the protocol announces replay (aviso's {@code replay_started} /
 *     {@code replay_completed}); when not, a connection is live as soon as it opens
 */
public record SessionRules(
        WatchMode mode,
        @Nullable Start explicitStart,
        BackoffPolicy backoff,
        Duration maxRetryAfter,
        DoubleSupplier jitter,
        boolean canRefreshAuth,
        boolean replayMarkers) {

    /** Validates the components. */
    public SessionRules {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        Objects.requireNonNull(jitter, "jitter");
    }

    /** Whether a connection from {@code start} begins with a replay of history. */
    boolean replays(Start start) {
        return replayMarkers && !(start instanceof Start.Live);
    }
}
