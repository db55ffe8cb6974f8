package io.watchgate.core.sse;

/**
 * A report that the decoder met input it rejects; the event being built at that point is discarded
 * (see {@link SseDecoder} for the policy).
 *
 * @param kind what was wrong
 * @param detail a human-readable description, for logs
 */
public record SseMalformed(Kind kind, String detail) implements SseFrame {

    /** The kinds of malformed input the decoder reports. */
    public enum Kind {
        /** A line is not well-formed UTF-8. */
        INVALID_UTF8,
        /** A line is longer than the decoder's maximum line length. */
        LINE_TOO_LONG,
        /** The data of an event is longer than the decoder's maximum event size. */
        EVENT_TOO_LONG
    }
}
