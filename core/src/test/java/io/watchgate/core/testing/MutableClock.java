package io.watchgate.core.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A thread-safe clock that stands still until the test moves it: give it to a test server to get
 * exact timestamps, exact {@code from_date} boundaries and token expiry without waiting.
 */
public final class MutableClock extends Clock {

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** A UTC clock showing {@code start}. */
    public static MutableClock at(Instant start) {
        return new MutableClock(new AtomicReference<>(start), ZoneOffset.UTC);
    }

    /** A UTC clock showing {@code start}, for example {@code "2026-03-04T10:00:00Z"}. */
    public static MutableClock at(String start) {
        return at(Instant.parse(start));
    }

    /** Shows {@code instant} from now on. */
    public MutableClock set(Instant instant) {
        now.set(instant);
        return this;
    }

    /** Moves the clock forward (or back, for a negative duration). */
    public MutableClock advance(Duration duration) {
        now.updateAndGet(instant -> instant.plus(duration));
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** A view with another zone that shares this clock's time. */
    @Override
    public Clock withZone(ZoneId zone) {
        return new MutableClock(now, zone);
    }
}
