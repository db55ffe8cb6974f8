package io.watchgate.core.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Waits for conditions by polling with a deadline (every {@value #POLL_MILLIS} ms on a dedicated
 * Reactor thread, unaffected by virtual time), never with {@code Thread.sleep}. Call from the test
 * thread only: the methods block. Conditions are evaluated on that non-blocking thread and must not
 * block.
 */
public final class Await {

    static final long POLL_MILLIS = 10;

    /** Own polling thread, so that a test's virtual time never freezes a wait. */
    /** A thread where conditions may block (a JDBC query, say): not one of Reactor's non-blocking ones. */
    private static final Scheduler POLLER =
            Schedulers.newBoundedElastic(1, Integer.MAX_VALUE, "watchgate-test-await", 60, true);

    private Await() {}

    /**
     * Returns as soon as {@code condition} holds.
     *
     * @throws AssertionError naming {@code description} if it does not hold within {@code timeout}
     */
    public static void until(BooleanSupplier condition, Duration timeout, String description) {
        until(condition, timeout, () -> description);
    }

    /**
     * Returns as soon as {@code condition} holds.
     *
     * @throws AssertionError with the message from {@code description}, computed at the deadline
     */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> description) {
        Boolean met = Flux.interval(Duration.ZERO, Duration.ofMillis(POLL_MILLIS), POLLER)
                .onBackpressureDrop()
                .filter(tick -> condition.getAsBoolean())
                .next()
                .map(tick -> true)
                .timeout(timeout, Mono.just(false), POLLER)
                .block();
        if (!Objects.requireNonNullElse(met, false) && !condition.getAsBoolean()) {
            throw new AssertionError("Timed out after " + timeout + " waiting until " + description.get());
        }
    }

    /**
     * Checks that {@code condition} holds for the whole of {@code period} (polled), for example that
     * no byte arrives on a stalled stream.
     *
     * @throws AssertionError as soon as it does not hold
     */
    public static void holdsFor(Duration period, BooleanSupplier condition, String description) {
        Boolean held = Flux.interval(Duration.ZERO, Duration.ofMillis(POLL_MILLIS), POLLER)
                .onBackpressureDrop()
                .take(period, POLLER)
                .all(tick -> condition.getAsBoolean())
                .block();
        if (!Objects.requireNonNullElse(held, false) || !condition.getAsBoolean()) {
            throw new AssertionError("Expected for " + period + " that " + description);
        }
    }
}
