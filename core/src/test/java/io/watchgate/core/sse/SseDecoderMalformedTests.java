package io.watchgate.core.sse;

import static io.watchgate.core.sse.SseTestSupport.bytes;
import static io.watchgate.core.sse.SseTestSupport.decode;
import static io.watchgate.core.sse.SseTestSupport.event;
import static io.watchgate.core.sse.SseTestSupport.eventTooLong;
import static io.watchgate.core.sse.SseTestSupport.invalidUtf8;
import static io.watchgate.core.sse.SseTestSupport.lineTooLong;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The malformed-input policy: report once, discard the event, recover at the next blank line. */
class SseDecoderMalformedTests {

    static Stream<Arguments> invalidSequences() {
        return Stream.of(
                Arguments.of("C3 28: a lead byte followed by ASCII", bytes("x", 0xC3, 0x28), 7),
                Arguments.of("a lone FF", bytes(0xFF), 6),
                Arguments.of("a lone continuation byte", bytes("ab", 0x80), 8),
                Arguments.of("a sequence truncated by the line end", bytes("€", 0xE2, 0x82), 9),
                Arguments.of("a 4-byte sequence truncated by the line end", bytes(0xF0, 0x9D, 0x84), 6),
                Arguments.of("an overlong encoding of '/'", bytes(0xC0, 0xAF), 6),
                Arguments.of("an encoded surrogate", bytes(0xED, 0xA0, 0x80), 6),
                Arguments.of("a code point above U+10FFFF", bytes(0xF4, 0x90, 0x80, 0x80), 6),
                Arguments.of("an invalid byte after a long ASCII prefix", bytes("a".repeat(5000), 0xF8), 5006));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSequences")
    void invalidUtf8IsReportedOnceAndTheNextEventIsDecoded(String description, byte[] value, int offset) {
        SseDecoder decoder = new SseDecoder();

        List<SseFrame> frames = decode(decoder, bytes("data: ", value, "\n\ndata: ok\n\n"));

        assertThat(frames).containsExactly(invalidUtf8(offset), event("ok", 10));
        assertThat(decoder.finish()).isFalse();
    }

    @Test
    void invalidUtf8IsDetectedInCommentsAndUnknownFieldsToo() {
        assertThat(decode(new SseDecoder(), bytes(":", 0xFF, "\n\nfo", 0xC3, "o: bar\n\ndata: ok\n\n")))
                .containsExactly(invalidUtf8(1), invalidUtf8(2), event("ok", 10));
    }

    @Test
    void aBomPrefixThatIsNotABomIsInvalid() {
        assertThat(decode(new SseDecoder(), bytes(0xEF, 0xBB, "data: x\n\ndata: ok\n\n")))
                .containsExactly(invalidUtf8(0), event("ok", 10));
    }

    @Test
    void validMultibyteSequencesAcrossTheValidationBufferAreAccepted() {
        String value = "é€𝄞".repeat(2000);

        assertThat(decode(new SseDecoder(), bytes("data: ", value, "\n\n"))).containsExactly(event(value, 18_008));
    }

    @Test
    void theWholeEventIsDiscardedUntilTheNextBlankLine() {
        SseDecoder decoder = new SseDecoder();

        List<SseFrame> frames = decode(
                decoder,
                bytes(
                        "id: 5\nevent: t\ndata: a\ndata: ",
                        0xFF,
                        "\ndata: b\n: c\nretry: 5\nid: 6\nevent: u\n\ndata: ok\n\n"));

        assertThat(frames).containsExactly(invalidUtf8(6), event("message", "ok", "", 10));
        assertThat(decoder.lastEventId()).isEmpty();
    }

    @Test
    void framesEmittedBeforeTheProblemStay() {
        assertThat(decode(new SseDecoder(), bytes(":hb\nretry: 5\ndata: ", 0xFF, "\n\n")))
                .containsExactly(new SseComment("hb"), new SseRetry(5), invalidUtf8(6));
    }

    @Test
    void furtherProblemsInADiscardedEventAreNotReported() {
        SseDecoder decoder = new SseDecoder(16, 16);

        List<SseFrame> frames =
                decode(decoder, bytes("data: ", 0xFF, "\ndata: ", 0xFE, "\ndata: 0123456789abcdef\n\ndata: ok\n\n"));

        assertThat(frames).containsExactly(invalidUtf8(6), event("ok", 10));
    }

    @Test
    void eachMalformedEventIsReported() {
        assertThat(decode(new SseDecoder(), bytes("data: ", 0xFF, "\n\ndata: a", 0xFF, "\n\ndata: ok\n\n")))
                .containsExactly(invalidUtf8(6), invalidUtf8(7), event("ok", 10));
    }

    @Test
    void aLineOfExactlyTheMaximumIsAccepted() {
        assertThat(decode(new SseDecoder(16, 100), bytes("data: 0123456789\n\n")))
                .containsExactly(event("0123456789", 18));
    }

    @Test
    void aLineLongerThanTheMaximumIsReportedOnce() {
        assertThat(decode(new SseDecoder(16, 100), bytes("data: 0123456789A\ndata: more\n\ndata: ok\n\n")))
                .containsExactly(lineTooLong(16), event("ok", 10));
    }

    @Test
    void aLongCommentIsTooLongAsWell() {
        assertThat(decode(new SseDecoder(16, 100), bytes(": 0123456789ABCDEF\n\ndata: ok\n\n")))
                .containsExactly(lineTooLong(16), event("ok", 10));
    }

    @Test
    void aLongLineSpreadOverManyChunksIsReportedOnce() {
        SseDecoder decoder = new SseDecoder(16, 100);
        List<SseFrame> frames = new ArrayList<>();
        byte[] stream = bytes("data: ", "0123456789".repeat(10), "\r\n\r\ndata: ok\r\n\r\n");

        for (int from = 0; from < stream.length; from += 5) {
            byte[] chunk = Arrays.copyOfRange(stream, from, Math.min(stream.length, from + 5));
            decoder.decode(chunk, 0, chunk.length, frames::add);
        }

        assertThat(frames).containsExactly(lineTooLong(16), event("ok", 10));
    }

    @Test
    void theLineEndingThatEndsADroppedLineIsNotTakenForABlankLine() {
        SseDecoder decoder = new SseDecoder(16, 100);

        List<SseFrame> frames =
                decode(decoder, bytes("data: 0123456789ABCDEF"), bytes("\ndata: skipped\n\ndata: ok\n\n"));

        assertThat(frames).containsExactly(lineTooLong(16), event("ok", 10));
    }

    @Test
    void anEventOfExactlyTheMaximumIsAccepted() {
        assertThat(decode(new SseDecoder(100, 8), bytes("data: 1234\ndata: 567\n\n")))
                .containsExactly(event("1234\n567", 22));
    }

    @Test
    void anEventLongerThanTheMaximumIsReportedOnce() {
        assertThat(decode(
                        new SseDecoder(100, 8),
                        bytes("data: 12345\ndata: 678\ndata: 9\n\ndata: 123456789\n\ndata: ok\n\n")))
                .containsExactly(eventTooLong(8), eventTooLong(8), event("ok", 10));
    }

    @Test
    void anEndlessLineNeverHoldsMoreThanTheMaximum() {
        SseDecoder decoder = new SseDecoder(1024, 4096);
        List<SseFrame> frames = new ArrayList<>();
        byte[] start = bytes("data: ");
        decoder.decode(start, 0, start.length, frames::add);
        byte[] chunk = bytes("a".repeat(100));
        int maxCapacity = 0;

        for (int total = 0; total < 10_000_000; total += chunk.length) {
            decoder.decode(chunk, 0, chunk.length, frames::add);
            maxCapacity = Math.max(maxCapacity, decoder.lineBufferCapacity());
        }
        byte[] end = bytes("\n\ndata: ok\n\n");
        decoder.decode(end, 0, end.length, frames::add);

        assertThat(maxCapacity).isEqualTo(1024);
        assertThat(frames).containsExactly(lineTooLong(1024), event("ok", 10));
    }

    @Test
    void aLargeLineBufferIsReleasedOnceTheLineIsDropped() {
        SseDecoder decoder = new SseDecoder();
        List<SseFrame> frames = new ArrayList<>();
        byte[] chunk = bytes("a".repeat(64 * 1024));
        int maxCapacity = 0;

        for (int total = 0; total < 10_000_000; total += chunk.length) {
            decoder.decode(chunk, 0, chunk.length, frames::add);
            maxCapacity = Math.max(maxCapacity, decoder.lineBufferCapacity());
        }

        assertThat(frames).containsExactly(lineTooLong(SseDecoder.DEFAULT_MAX_LINE_BYTES));
        assertThat(maxCapacity).isEqualTo(SseDecoder.DEFAULT_MAX_LINE_BYTES);
        assertThat(decoder.lineBufferCapacity()).isLessThanOrEqualTo(64 * 1024);
        assertThat(decoder.finish()).isFalse();
    }

    @Test
    void anEndlessEventNeverHoldsMoreThanTheMaximum() {
        SseDecoder decoder = new SseDecoder(1024, 4096);
        List<SseFrame> frames = new ArrayList<>();
        byte[] line = bytes("data: ", "b".repeat(100), "\n");
        int maxCapacity = 0;

        for (int total = 0; total < 10_000_000; total += line.length) {
            decoder.decode(line, 0, line.length, frames::add);
            maxCapacity = Math.max(maxCapacity, decoder.dataBufferCapacity());
        }
        byte[] end = bytes("\ndata: ok\n\n");
        decoder.decode(end, 0, end.length, frames::add);

        assertThat(maxCapacity).isLessThanOrEqualTo(4097);
        assertThat(frames).containsExactly(eventTooLong(4096), event("ok", 10));
    }

    @Test
    void aLargeDataBufferIsReleasedAfterDispatch() {
        SseDecoder decoder = new SseDecoder();
        String value = "c".repeat(1_000_000);

        assertThat(decode(decoder, bytes("data: ", value, "\n\n"))).containsExactly(event(value, 1_000_008));
        assertThat(decoder.dataBufferCapacity()).isLessThanOrEqualTo(64 * 1024);
    }
}
