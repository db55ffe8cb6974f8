package io.watchgate.core.sse;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Builders for byte streams and helpers to run a decoder over chunks. */
final class SseTestSupport {

    private SseTestSupport() {}

    /**
     * Concatenates parts into one byte array: a {@link String} is encoded in UTF-8, an {@link
     * Integer} is one raw byte, a {@code byte[]} is copied as is.
     */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(UTF_8));
            } else if (part instanceof Integer b) {
                out.write(b);
            } else if (part instanceof byte[] a) {
                out.writeBytes(a);
            } else {
                throw new IllegalArgumentException("unsupported part: " + part);
            }
        }
        return out.toByteArray();
    }

    /** Decodes each chunk in turn and returns every frame produced. */
    static List<SseFrame> decode(SseDecoder decoder, byte[]... chunks) {
        List<SseFrame> frames = new ArrayList<>();
        for (byte[] chunk : chunks) {
            decoder.decode(chunk, 0, chunk.length, frames::add);
        }
        return frames;
    }

    /** Decodes a stream given as UTF-8 text in one chunk with a default decoder. */
    static List<SseFrame> decode(String stream) {
        return decode(new SseDecoder(), bytes(stream));
    }

    static SseEvent event(String data, int size) {
        return new SseEvent("message", data, "", size, false);
    }

    /** An event whose own lines set its id when {@code lastEventId} is not empty. */
    static SseEvent event(String type, String data, String lastEventId, int size) {
        return new SseEvent(type, data, lastEventId, size, !lastEventId.isEmpty());
    }

    /** An event whose id was (or was not) set by its own lines. */
    static SseEvent event(String type, String data, String lastEventId, int size, boolean ownId) {
        return new SseEvent(type, data, lastEventId, size, ownId);
    }

    static SseMalformed invalidUtf8(int offset) {
        return new SseMalformed(SseMalformed.Kind.INVALID_UTF8, "invalid UTF-8 at byte " + offset + " of a line");
    }

    static SseMalformed lineTooLong(int max) {
        return new SseMalformed(SseMalformed.Kind.LINE_TOO_LONG, "line longer than " + max + " bytes");
    }

    static SseMalformed eventTooLong(int max) {
        return new SseMalformed(SseMalformed.Kind.EVENT_TOO_LONG, "event data longer than " + max + " bytes");
    }
}
