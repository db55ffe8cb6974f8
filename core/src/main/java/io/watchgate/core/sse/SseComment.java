package io.watchgate.core.sse;

/**
 * A comment line (a line starting with {@code ':'}), typically a heartbeat.
 *
 * @param text everything after the colon, verbatim (a leading space is <em>not</em> removed)
 */
public record SseComment(String text) implements SseFrame {}
