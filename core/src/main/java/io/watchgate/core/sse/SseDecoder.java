package io.watchgate.core.sse;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An incremental decoder for a {@code text/event-stream} body: bytes in, in chunks split anywhere,
 * {@link SseFrame}s out.
 *
 * <p>It follows the WHATWG HTML "event stream interpretation" rules:
 *
 * <ul>
 *   <li>lines end in LF, CRLF or CR; a CR ending one chunk and an LF starting the next form one line
 *       ending (a line ended by a CR is processed at once, without waiting for the next chunk);
 *   <li>a UTF-8 byte order mark is skipped at the very start of the stream only;
 *   <li>a line starting with {@code ':'} is a comment, reported as an {@link SseComment};
 *   <li>{@code name: value} lines set fields (one space after the colon is removed); a line without a
 *       colon is a field with an empty value; unknown fields are ignored, field names are
 *       case-sensitive;
 *   <li>{@code data} appends its value and a line feed to the data buffer, {@code event} sets the
 *       event type, {@code id} sets the last event ID buffer unless the value contains U+0000, {@code
 *       retry} made only of ASCII digits is reported as an {@link SseRetry} right away;
 *   <li>a blank line dispatches: the last event ID buffer becomes the {@linkplain #lastEventId() last
 *       event ID} (even if no event is dispatched), and if the data buffer is not empty an {@link
 *       SseEvent} is emitted with the final line feed removed and the type {@code "message"} unless an
 *       {@code event} field set another one; the data buffer and the event type are then reset;
 *   <li>at the end of the stream ({@link #finish()}) an event without its terminating blank line is
 *       discarded, including an {@code id} it carried.
 * </ul>
 *
 * <h2>Malformed input</h2>
 *
 * <p>The decoder never throws on bad input and never holds more than about {@code maxLineBytes +
 * maxEventBytes} bytes. It reports each problem once with an {@link SseMalformed} frame and then
 * <em>discards the event being built</em>: its data and event type are dropped, an {@code id} it set
 * is forgotten (the last event ID stays the one of the last dispatched block), and every following
 * line up to and including the next blank line is skipped without inspection (no comments, no
 * {@code retry}, no further reports). Decoding then continues normally. Frames already emitted for
 * that event (comments, retries) stay emitted. The problems are:
 *
 * <ul>
 *   <li>{@link SseMalformed.Kind#INVALID_UTF8}: a complete line (comments and unknown fields included)
 *       is not well-formed UTF-8 (overlong forms, encoded surrogates, truncated sequences and stray
 *       bytes are all rejected); the detail gives the byte offset in the line;
 *   <li>{@link SseMalformed.Kind#LINE_TOO_LONG}: a line, excluding its line ending, has more than
 *       {@code maxLineBytes} bytes (a leading byte order mark counts); it is reported as soon as the
 *       limit is crossed and the rest of the line is dropped without being buffered;
 *   <li>{@link SseMalformed.Kind#EVENT_TOO_LONG}: the data of an event (the UTF-8 bytes it would be
 *       dispatched with, line feeds between data lines included) would exceed {@code
 *       maxEventBytes}.
 * </ul>
 *
 * <p>The frames produced, details included, do not depend on how the input is split into chunks.
 *
 * <h2>Threading</h2>
 *
 * <p>An instance decodes one stream (one connection) and is not thread-safe: calls must not overlap,
 * and the consumer must not call back into the decoder. Frames are passed to the consumer
 * synchronously, from within {@code decode}; an exception thrown by the consumer propagates to the
 * caller of {@code decode}, and the remaining bytes of that chunk are then lost. After {@link
 * #finish()} the instance may decode a new stream of the same source (a reconnection): the last event
 * ID is kept, everything else starts afresh.
 */
public final class SseDecoder {

    /** The default maximum length of a line, in bytes, excluding its line ending: 1 MiB. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    /** The default maximum length of the data of an event, in UTF-8 bytes: 4 MiB. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 4 << 20;

    /** The largest limit accepted, to keep array sizes (limit + 1) valid. */
    private static final int MAX_LIMIT = Integer.MAX_VALUE - 16;

    private static final int INITIAL_BUFFER_BYTES = 256;

    /** Buffers that grew beyond this are released once the line or event that needed them is done. */
    private static final int RETAINED_BUFFER_BYTES = 64 * 1024;

    private static final int SCRATCH_BYTES = 8 * 1024;

    private static final int VALIDATION_CHARS = 1024;

    private static final byte LF = '\n';
    private static final byte CR = '\r';
    private static final byte COLON = ':';
    private static final byte SPACE = ' ';

    private static final String DEFAULT_EVENT_TYPE = "message";

    private final int maxLineBytes;
    private final int maxEventBytes;

    private final CharsetDecoder utf8 = UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** Output of the UTF-8 validation, only needed for lines that are not pure ASCII. */
    private @Nullable CharBuffer validationChars;

    /** Copy buffer for chunks that do not expose an array (direct or read-only buffers). */
    private byte @Nullable [] scratch;

    // Line state.
    private byte[] line = new byte[INITIAL_BUFFER_BYTES];
    private int lineLength;
    private boolean skipLeadingLf;
    private boolean atStreamStart = true;

    // Discarding a malformed event until the next blank line.
    private boolean discarding;
    private boolean discardedLineHasBytes;

    // Event state.
    private byte[] data = new byte[INITIAL_BUFFER_BYTES];
    private int dataLength;
    private String eventType = "";
    private String lastEventIdBuffer = "";
    private String lastEventId = "";
    private boolean ownId;
    private long eventBytes;
    private boolean eventPending;

    /**
     * Creates a decoder with {@link #DEFAULT_MAX_LINE_BYTES} and {@link #DEFAULT_MAX_EVENT_BYTES}.
     */
    public SseDecoder() {
        this(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_EVENT_BYTES);
    }

    /**
     * Creates a decoder with the given limits.
     *
     * @param maxLineBytes the maximum length of a line in bytes, excluding its line ending
     * @param maxEventBytes the maximum length of the data of an event, in UTF-8 bytes
     * @throws IllegalArgumentException if a limit is not positive or is too large for an array
     */
    public SseDecoder(int maxLineBytes, int maxEventBytes) {
        if (maxLineBytes < 1 || maxLineBytes > MAX_LIMIT) {
            throw new IllegalArgumentException("maxLineBytes must be in [1, " + MAX_LIMIT + "]: " + maxLineBytes);
        }
        if (maxEventBytes < 1 || maxEventBytes > MAX_LIMIT) {
            throw new IllegalArgumentException("maxEventBytes must be in [1, " + MAX_LIMIT + "]: " + maxEventBytes);
        }
        this.maxLineBytes = maxLineBytes;
        this.maxEventBytes = maxEventBytes;
    }

    /**
     * Decodes all remaining bytes of {@code chunk}, passing the frames they complete to {@code out}.
     * Bytes of an incomplete line are kept until a later call completes it. On return the position of
     * {@code chunk} equals its limit.
     *
     * @param chunk the next bytes of the stream; heap, direct and read-only buffers are accepted
     * @param out receives the frames, in stream order
     */
    public void decode(ByteBuffer chunk, Consumer<? super SseFrame> out) {
        Objects.requireNonNull(out, "out");
        if (chunk.hasArray()) {
            int position = chunk.position();
            int length = chunk.remaining();
            chunk.position(chunk.limit());
            decode(chunk.array(), chunk.arrayOffset() + position, length, out);
            return;
        }
        byte[] copy = scratch;
        if (copy == null) {
            copy = new byte[SCRATCH_BYTES];
            scratch = copy;
        }
        while (chunk.hasRemaining()) {
            int length = Math.min(copy.length, chunk.remaining());
            chunk.get(copy, 0, length);
            decode(copy, 0, length, out);
        }
    }

    /**
     * Decodes {@code length} bytes of {@code bytes} from {@code offset}, passing the frames they
     * complete to {@code out}. Bytes of an incomplete line are copied and kept until a later call
     * completes it; the array is not retained.
     *
     * @param bytes holds the next bytes of the stream
     * @param offset the index of the first byte to decode
     * @param length the number of bytes to decode
     * @param out receives the frames, in stream order
     * @throws IndexOutOfBoundsException if the range is not within {@code bytes}
     */
    public void decode(byte[] bytes, int offset, int length, Consumer<? super SseFrame> out) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Objects.requireNonNull(out, "out");
        int end = offset + length;
        int index = offset;
        if (index < end && skipLeadingLf) {
            skipLeadingLf = false;
            if (bytes[index] == LF) {
                index++;
            }
        }
        while (index < end) {
            int lineEnd = indexOfLineEnd(bytes, index, end);
            if (lineEnd < 0) {
                bufferPartialLine(bytes, index, end, out);
                return;
            }
            int next = lineEnd + 1;
            if (bytes[lineEnd] == CR) {
                if (next == end) {
                    skipLeadingLf = true;
                } else if (bytes[next] == LF) {
                    next++;
                }
            }
            completeLine(bytes, index, lineEnd, out);
            index = next;
        }
    }

    /**
     * Signals the end of the stream: discards any incomplete line and any event not terminated by a
     * blank line, and prepares the decoder for a new stream (a byte order mark is accepted again). The
     * {@linkplain #lastEventId() last event ID} is kept, as a reconnection needs it.
     *
     * @return {@code true} if something was lost: bytes of an unterminated line, or an event that had
     *     received a {@code data}, {@code event} or {@code id} field but no blank line; an event already
     *     reported as {@link SseMalformed} does not count again
     */
    public boolean finish() {
        boolean lost = !discarding && (lineLength > 0 || eventPending);
        lineLength = 0;
        skipLeadingLf = false;
        atStreamStart = true;
        discarding = false;
        discardedLineHasBytes = false;
        resetEvent();
        releaseLargeLineBuffer();
        releaseLargeDataBuffer();
        return lost;
    }

    /**
     * Returns the last event ID: the value of the last accepted {@code id} field as of the last blank
     * line, the value to send as {@code Last-Event-ID} when reconnecting.
     *
     * @return the last event ID, {@code ""} if none was set
     */
    public String lastEventId() {
        return lastEventId;
    }

    /** The current capacity of the line buffer, for tests of the memory bound. */
    int lineBufferCapacity() {
        return line.length;
    }

    /** The current capacity of the data buffer, for tests of the memory bound. */
    int dataBufferCapacity() {
        return data.length;
    }

    private static int indexOfLineEnd(byte[] bytes, int from, int end) {
        for (int i = from; i < end; i++) {
            byte b = bytes[i];
            if (b == LF || b == CR) {
                return i;
            }
        }
        return -1;
    }

    /** Handles bytes {@code [from, end)}, non-empty, of a line whose end is not in this chunk. */
    private void bufferPartialLine(byte[] bytes, int from, int end, Consumer<? super SseFrame> out) {
        if (discarding) {
            discardedLineHasBytes = true;
            return;
        }
        int length = end - from;
        if (length > maxLineBytes - lineLength) {
            lineTooLong(true, out);
            return;
        }
        line = ensureCapacity(line, lineLength + length, maxLineBytes);
        System.arraycopy(bytes, from, line, lineLength, length);
        lineLength += length;
    }

    /** Handles the last bytes {@code [from, lineEnd)}, possibly empty, of a line. */
    private void completeLine(byte[] bytes, int from, int lineEnd, Consumer<? super SseFrame> out) {
        if (discarding) {
            boolean blank = lineEnd == from && !discardedLineHasBytes;
            discardedLineHasBytes = false;
            if (blank) {
                discarding = false;
                eventBytes = 0;
            }
            return;
        }
        int length = lineEnd - from;
        if (lineLength == 0) {
            // Fast path: the whole line is in this chunk, no copy.
            if (length > maxLineBytes) {
                lineTooLong(false, out);
                return;
            }
            processLine(bytes, from, length, out);
            return;
        }
        if (length > maxLineBytes - lineLength) {
            lineTooLong(false, out);
            return;
        }
        line = ensureCapacity(line, lineLength + length, maxLineBytes);
        System.arraycopy(bytes, from, line, lineLength, length);
        int total = lineLength + length;
        lineLength = 0;
        byte[] complete = line;
        releaseLargeLineBuffer();
        processLine(complete, 0, total, out);
    }

    private void lineTooLong(boolean midLine, Consumer<? super SseFrame> out) {
        lineLength = 0;
        releaseLargeLineBuffer();
        malformed(SseMalformed.Kind.LINE_TOO_LONG, "line longer than " + maxLineBytes + " bytes", midLine, out);
    }

    private void malformed(SseMalformed.Kind kind, String detail, boolean midLine, Consumer<? super SseFrame> out) {
        discarding = true;
        discardedLineHasBytes = midLine;
        atStreamStart = false;
        resetEvent();
        releaseLargeDataBuffer();
        out.accept(new SseMalformed(kind, detail));
    }

    private void processLine(byte[] bytes, int offset, int length, Consumer<? super SseFrame> out) {
        int start = offset;
        int end = offset + length;
        if (atStreamStart) {
            atStreamStart = false;
            if (length >= 3
                    && bytes[start] == (byte) 0xEF
                    && bytes[start + 1] == (byte) 0xBB
                    && bytes[start + 2] == (byte) 0xBF) {
                start += 3;
            }
        }
        eventBytes += end - start + 1;
        if (start == end) {
            dispatch(out);
            return;
        }
        int invalidAt = invalidUtf8Offset(bytes, start, end);
        if (invalidAt >= 0) {
            malformed(
                    SseMalformed.Kind.INVALID_UTF8,
                    "invalid UTF-8 at byte " + (invalidAt - start) + " of a line",
                    false,
                    out);
            return;
        }
        if (bytes[start] == COLON) {
            out.accept(new SseComment(new String(bytes, start + 1, end - start - 1, UTF_8)));
            return;
        }
        int nameEnd = indexOf(bytes, start, end, COLON);
        int valueStart;
        if (nameEnd < 0) {
            nameEnd = end;
            valueStart = end;
        } else {
            valueStart = nameEnd + 1;
            if (valueStart < end && bytes[valueStart] == SPACE) {
                valueStart++;
            }
        }
        switch (nameEnd - start) {
            case 2 -> {
                if (matches(bytes, start, "id") && indexOf(bytes, valueStart, end, (byte) 0) < 0) {
                    lastEventIdBuffer = new String(bytes, valueStart, end - valueStart, UTF_8);
                    ownId = true;
                    eventPending = true;
                }
            }
            case 4 -> {
                if (matches(bytes, start, "data")) {
                    appendData(bytes, valueStart, end, out);
                }
            }
            case 5 -> {
                if (matches(bytes, start, "event")) {
                    eventType = new String(bytes, valueStart, end - valueStart, UTF_8);
                    eventPending = true;
                } else if (matches(bytes, start, "retry")) {
                    long millis = parseDigits(bytes, valueStart, end);
                    if (millis >= 0) {
                        out.accept(new SseRetry(millis));
                    }
                }
            }
            default -> {
                // Unknown field: ignored.
            }
        }
    }

    private void appendData(byte[] bytes, int from, int end, Consumer<? super SseFrame> out) {
        int length = end - from;
        // The data as dispatched has dataLength + length bytes (the final line feed is removed).
        if ((long) dataLength + length > maxEventBytes) {
            malformed(
                    SseMalformed.Kind.EVENT_TOO_LONG, "event data longer than " + maxEventBytes + " bytes", false, out);
            return;
        }
        int newLength = dataLength + length + 1;
        data = ensureCapacity(data, newLength, maxEventBytes + 1);
        System.arraycopy(bytes, from, data, dataLength, length);
        data[newLength - 1] = LF;
        dataLength = newLength;
        eventPending = true;
    }

    private void dispatch(Consumer<? super SseFrame> out) {
        lastEventId = lastEventIdBuffer;
        int size = (int) Math.min(Integer.MAX_VALUE, eventBytes);
        String type = eventType;
        int length = dataLength;
        boolean hadOwnId = ownId;
        resetEvent();
        if (length == 0) {
            return;
        }
        String text = new String(data, 0, length - 1, UTF_8);
        releaseLargeDataBuffer();
        out.accept(new SseEvent(type.isEmpty() ? DEFAULT_EVENT_TYPE : type, text, lastEventId, size, hadOwnId));
    }

    private void resetEvent() {
        ownId = false;
        dataLength = 0;
        eventType = "";
        lastEventIdBuffer = lastEventId;
        eventBytes = 0;
        eventPending = false;
    }

    private void releaseLargeLineBuffer() {
        if (line.length > RETAINED_BUFFER_BYTES) {
            line = new byte[INITIAL_BUFFER_BYTES];
        }
    }

    private void releaseLargeDataBuffer() {
        if (data.length > RETAINED_BUFFER_BYTES) {
            data = new byte[INITIAL_BUFFER_BYTES];
        }
    }

    /**
     * Returns the index of the first byte of {@code [from, end)} that starts an ill-formed UTF-8
     * sequence, or -1 if the range is well-formed.
     */
    private int invalidUtf8Offset(byte[] bytes, int from, int end) {
        int i = from;
        while (i < end && bytes[i] >= 0) {
            i++;
        }
        if (i == end) {
            return -1;
        }
        // Slow path from the first non-ASCII byte, which is necessarily at a sequence boundary.
        ByteBuffer in = ByteBuffer.wrap(bytes, i, end - i);
        CharBuffer chars = validationChars;
        if (chars == null) {
            chars = CharBuffer.allocate(VALIDATION_CHARS);
            validationChars = chars;
        }
        utf8.reset();
        while (true) {
            chars.clear();
            CoderResult result = utf8.decode(in, chars, true);
            if (result.isError()) {
                return in.position();
            }
            if (result.isUnderflow()) {
                break;
            }
            // Overflow: the characters are not needed, go on with an empty buffer.
        }
        chars.clear();
        utf8.flush(chars);
        return -1;
    }

    private static int indexOf(byte[] bytes, int from, int end, byte value) {
        for (int i = from; i < end; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static boolean matches(byte[] bytes, int from, String asciiName) {
        for (int i = 0; i < asciiName.length(); i++) {
            if (bytes[from + i] != asciiName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Parses {@code [from, end)} as a non-empty run of ASCII digits; -1 if it is not one or overflows. */
    private static long parseDigits(byte[] bytes, int from, int end) {
        if (from == end) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < end; i++) {
            int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            if (value > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private static byte[] ensureCapacity(byte[] buffer, int needed, int limit) {
        if (needed <= buffer.length) {
            return buffer;
        }
        long doubled = Math.max((long) buffer.length * 2, needed);
        int capacity = (int) Math.min(doubled, limit);
        byte[] grown = new byte[capacity];
        System.arraycopy(buffer, 0, grown, 0, buffer.length);
        return grown;
    }
}
