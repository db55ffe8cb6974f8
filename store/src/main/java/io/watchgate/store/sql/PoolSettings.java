package io.watchgate.store.sql;

import java.time.Duration;
import java.util.Objects;

/**
 * How the store uses its database connections.
 *
 * @param maxSize the most connections open at once
 * @param acquireTimeout how long an operation waits for a connection (and a new connection for its
 *     handshake) before it fails as unavailable
 * @param retries how many times an operation that failed transiently is tried again
 * @param retryBackoff the first delay before such a retry; it doubles, with jitter, up to 2 s
 */
public record PoolSettings(int maxSize, Duration acquireTimeout, int retries, Duration retryBackoff) {

    /** 10 connections, a 5 s acquire timeout, 3 retries from 100 ms. */
    public static final PoolSettings DEFAULT = new PoolSettings(10, Duration.ofSeconds(5), 3, Duration.ofMillis(100));

    /** Validates the components. */
    public PoolSettings {
        if (maxSize < 1) {
            throw new IllegalArgumentException("pool size must be >= 1: " + maxSize);
        }
        Objects.requireNonNull(acquireTimeout, "acquireTimeout");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        if (acquireTimeout.isNegative() || acquireTimeout.isZero()) {
            throw new IllegalArgumentException("acquire timeout must be positive: " + acquireTimeout);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0: " + retries);
        }
        if (retryBackoff.isNegative()) {
            throw new IllegalArgumentException("retry backoff must be >= 0: " + retryBackoff);
        }
    }
}
