package io.watchgate.core.sse;

/**
 * A dispatched Server-Sent Event.
 *
 * @param type the event type: the last {@code event} field of the event, or {@code "message"} when
 *     there was none or it was empty
 * @param data the data lines of the event joined with {@code "\n"} (without a trailing line feed)
 * @param lastEventId the last event ID of the stream when this event was dispatched (it persists
 *     across events until an {@code id} field changes it; {@code ""} when never set)
 * @param size the number of raw bytes of the lines that made up this event, for metrics: every line
 *     since the previous blank line (field lines, unknown fields and comments alike) plus the blank
 *     line that dispatched it, each line counted with one byte for its line ending (a CRLF pair counts
 *     as one byte, so the value does not depend on how the stream was chunked); a leading byte order
 *     mark is not counted. Saturates at {@link Integer#MAX_VALUE}.
 * @param ownId whether the event's own lines set the id (an {@code id} field without NUL, an empty
 *     one included); when not, {@code lastEventId} is the id of an earlier event
 */
public record SseEvent(String type, String data, String lastEventId, int size, boolean ownId) implements SseFrame {}
