package io.watchgate.core.session;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Detects a starved connection: no byte for longer than the budget <em>while bytes were
 * wanted</em>. Time spent waiting for a subscriber that holds back demand does not count, so a slow
 * subscriber never makes a healthy connection look starved. One per connection.
 *
 * <p>The connection reports {@link #requested(long) demand} for body chunks and each {@link
 * #received() chunk}; a check runs four times per budget on the scheduler.
 */
final class HeartbeatWatchdog {

    private final long budgetMillis;
    private final Scheduler scheduler;
    private final AtomicLong outstanding = new AtomicLong();
    private volatile boolean awaitingHeaders = true;
    private volatile long lastProgress;
    private volatile boolean starved;

    HeartbeatWatchdog(Duration budget, Scheduler scheduler) {
        this.budgetMillis = budget.toMillis();
        this.scheduler = scheduler;
        this.lastProgress = now();
    }

    /** The response headers arrived. */
    void headersReceived() {
        lastProgress = now();
        awaitingHeaders = false;
    }

    /** The body was asked for {@code n} more chunks. */
    void requested(long n) {
        if (outstanding.getAndAdd(n) <= 0) {
            lastProgress = now();
        }
    }

    /** A body chunk arrived. */
    void received() {
        lastProgress = now();
        outstanding.decrementAndGet();
    }

    /** Whether the connection was found starved. */
    boolean starved() {
        return starved;
    }

    /** Emits once the connection is starved; never completes otherwise. */
    Mono<Long> starvation() {
        long period = Math.max(10, budgetMillis / 4);
        return Flux.interval(Duration.ofMillis(period), scheduler)
                .filter(tick -> (awaitingHeaders || outstanding.get() > 0) && now() - lastProgress > budgetMillis)
                .next()
                .doOnNext(tick -> starved = true);
    }

    private long now() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }
}
