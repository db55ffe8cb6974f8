package io.watchgate.gateway.hub;

import io.watchgate.core.SessionStatus;

/**
 * A state change or incident of one hub session, as operators see it.
 *
 * @param session the session key
 * @param upstream the session's upstream
 * @param status what happened
 */
public record SessionTransition(String session, String upstream, SessionStatus status) {}
