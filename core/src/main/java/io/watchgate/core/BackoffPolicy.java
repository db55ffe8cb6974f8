package io.watchgate.core;

import java.time.Duration;

/**
 * Exponential backoff with jitter between reconnection attempts.
 *
 * <p>The delay before attempt {@code n} (1 for the first retry) is {@code initial × multiplier^(n-1)},
 * capped at {@code max}, then reduced by a random fraction of up to {@code jitter} of itself:
 * with the defaults (250 ms, ×2, 30 s, jitter 0.5) the first retry waits 125–250 ms, the second
 * 250–500 ms, and from the ninth on 15–30 s. The attempt counter resets when a notification
 * arrives or the server closes the stream gracefully.
 *
 * @param initial the delay before the first retry
 * @param multiplier growth factor per attempt, {@code >= 1}
 * @param max the cap
 * @param jitter the largest fraction taken off a delay at random, in {@code [0, 1]}
 */
public record BackoffPolicy(Duration initial, double multiplier, Duration max, double jitter) {

    /** 250 ms, ×2, capped at 30 s, jitter 0.5. */
    public static final BackoffPolicy DEFAULT =
            new BackoffPolicy(Duration.ofMillis(250), 2.0, Duration.ofSeconds(30), 0.5);

    /** Validates the components. */
    public BackoffPolicy {
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max: " + initial + ", " + max);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("backoff multiplier must be >= 1: " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("backoff jitter must be in [0, 1]: " + jitter);
        }
    }

    /** The same policy with another initial delay (an SSE source's {@code retry:} sets it). */
    public BackoffPolicy withInitial(Duration newInitial) {
        return new BackoffPolicy(newInitial, multiplier, max.compareTo(newInitial) < 0 ? newInitial : max, jitter);
    }

    /**
     * The delay before an attempt.
     *
     * @param attempt the attempt number, {@code >= 1}
     * @param random a uniformly distributed value in {@code [0, 1)} choosing the jitter
     */
    public Duration delay(int attempt, double random) {
        double base = (double) initial.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, (double) max.toNanos());
        return Duration.ofNanos((long) (capped * (1.0 - jitter * random)));
    }
}
