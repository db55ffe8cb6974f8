package io.watchgate.core.sse;

/**
 * A valid {@code retry} field: the server asks the client to use this reconnection time.
 *
 * <p>It is reported as soon as its line is complete, independently of the event being built (as the
 * WHATWG rules apply it immediately).
 *
 * @param millis the reconnection time in milliseconds, never negative
 */
public record SseRetry(long millis) implements SseFrame {}
