package io.watchgate.core;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a session's status stream: a state transition, or an incident reported while the
 * state stays the same (a sequence gap, an upstream reset, a malformed frame, an upstream error
 * event).
 *
 * @param state the state after the change
 * @param reason a stable, lower-case event name, also used in logs ({@code connected}, {@code
 *     transport_error}, {@code gap}, ...; the README lists them)
 * @param detail human-readable detail, or {@code null}
 * @param attempt the number of consecutive failed attempts so far (0 once a notification arrived)
 * @param delay for {@link SessionState#BACKING_OFF}, the wait before the next attempt
 * @param time when it happened (the session scheduler's clock)
 */
public record SessionStatus(
        SessionState state,
        String reason,
        @Nullable String detail,
        int attempt,
        @Nullable Duration delay,
        Instant time) {}
