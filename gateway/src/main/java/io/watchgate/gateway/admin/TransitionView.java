package io.watchgate.gateway.admin;

import io.watchgate.core.SessionStatus;
import io.watchgate.gateway.hub.SessionTransition;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * One state change or incident of a session, as the admin API shows it.
 *
 * @param session the session key
 * @param time when it happened (ISO-8601)
 * @param state the state after it
 * @param reason the stable event name
 * @param detail what happened, or {@code null}
 * @param attempt consecutive failed attempts
 * @param delayMs for a backoff, the wait before the next attempt
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TransitionView(
        String session,
        String time,
        String state,
        String reason,
        @Nullable String detail,
        int attempt,
        @Nullable Long delayMs) {

    static TransitionView of(String session, SessionStatus status) {
        return new TransitionView(
                session,
                status.time().toString(),
                status.state().name(),
                status.reason(),
                status.detail(),
                status.attempt(),
                status.delay() == null ? null : status.delay().toMillis());
    }

    static TransitionView of(SessionTransition transition) {
        return of(transition.session(), transition.status());
    }
}
