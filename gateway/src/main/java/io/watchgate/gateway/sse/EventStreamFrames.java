package io.watchgate.gateway.sse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Encodes SSE frames as bytes, following the WHATWG event-stream format: a multi-line data value
 * becomes one {@code data:} line per line, so any payload round-trips through an EventSource.
 */
public final class EventStreamFrames {

    /** The comment sent while a stream is idle. */
    private static final byte[] HEARTBEAT = ": hb\n\n".getBytes(StandardCharsets.UTF_8);

    private EventStreamFrames() {}

    /** An unnamed event with an id: what {@code EventSource.onmessage} receives. */
    public static byte[] message(String id, String data) {
        StringBuilder frame = new StringBuilder(data.length() + 32);
        frame.append("id: ").append(id).append('\n');
        appendData(frame, data);
        return bytes(frame);
    }

    /** A named event without an id ({@code event: status}, {@code lagged}, aviso's frames). */
    public static byte[] named(String event, String data) {
        StringBuilder frame = new StringBuilder(data.length() + event.length() + 16);
        frame.append("event: ").append(event).append('\n');
        appendData(frame, data);
        return bytes(frame);
    }

    /** The reconnection delay an EventSource should use. */
    public static byte[] retry(Duration delay) {
        return ("retry: " + delay.toMillis() + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A frame many connections write: copied once into off-heap memory (freed with the buffer by
     * the garbage collector), so no connection copies it again on its way to the socket.
     */
    public static ByteBuffer shared(byte[] frame) {
        return ByteBuffer.allocateDirect(frame.length).put(frame).flip().asReadOnlyBuffer();
    }

    /** A comment that keeps proxies from closing an idle stream. */
    public static byte[] heartbeat() {
        return HEARTBEAT;
    }

    private static void appendData(StringBuilder frame, String data) {
        int start = 0;
        int length = data.length();
        while (true) {
            int end = start;
            while (end < length && data.charAt(end) != '\n' && data.charAt(end) != '\r') {
                end++;
            }
            frame.append("data: ").append(data, start, end).append('\n');
            if (end >= length) {
                break;
            }
            start = data.charAt(end) == '\r' && end + 1 < length && data.charAt(end + 1) == '\n' ? end + 2 : end + 1;
        }
        frame.append('\n');
    }

    private static byte[] bytes(StringBuilder frame) {
        return frame.toString().getBytes(StandardCharsets.UTF_8);
    }
}
