package io.watchgate.core.sse;

/**
 * One item produced by {@link SseDecoder}: a dispatched event, a comment, a reconnection-time hint,
 * or a report of malformed input.
 */
public sealed interface SseFrame permits SseEvent, SseComment, SseRetry, SseMalformed {}
