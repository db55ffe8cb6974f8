package io.watchgate.core.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * One pre-rendered piece of an event-stream body.
 *
 * @param bytes the exact bytes written to the wire (an SSE event including its blank line, a comment,
 *     or deliberately malformed bytes)
 * @param kind how the fault switches count it
 */
record Frame(byte[] bytes, Kind kind) {

    /** How a frame is treated by the per-connection fault logic. */
    enum Kind {
        /** Control frames, heartbeats, comments and malformed bytes: not counted. */
        CONTROL,
        /** A notification (aviso {@code replay}/{@code live-notification} CloudEvent, SSE event): counted. */
        NOTIFICATION,
        /** The last frame of a gracefully ended body; may be empty. */
        CLOSING
    }

    /** {@code event: <name>\ndata: <data>\n\n}. */
    static Frame event(String name, String data, Kind kind) {
        return new Frame(("event: " + name + "\ndata: " + data + "\n\n").getBytes(UTF_8), kind);
    }

    /** Raw text as UTF-8. */
    static Frame text(String text, Kind kind) {
        return new Frame(text.getBytes(UTF_8), kind);
    }
}
