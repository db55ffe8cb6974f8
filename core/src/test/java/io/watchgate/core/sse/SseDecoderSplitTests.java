package io.watchgate.core.sse;

import static io.watchgate.core.sse.SseTestSupport.bytes;
import static io.watchgate.core.sse.SseTestSupport.event;
import static io.watchgate.core.sse.SseTestSupport.eventTooLong;
import static io.watchgate.core.sse.SseTestSupport.invalidUtf8;
import static io.watchgate.core.sse.SseTestSupport.lineTooLong;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The frames must not depend on where the stream is split into chunks. */
class SseDecoderSplitTests {

    /** What a decoder made of a whole stream. */
    record Outcome(List<SseFrame> frames, boolean lost, String lastEventId) {}

    /** A stream, the limits to decode it with, and what it must decode to. */
    record Sample(String name, int maxLineBytes, int maxEventBytes, byte[] stream, Outcome expected) {

        SseDecoder newDecoder() {
            return new SseDecoder(maxLineBytes, maxEventBytes);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Sample> corpus() {
        return Stream.of(
                new Sample(
                        "mixed line endings, BOM and multibyte characters",
                        SseDecoder.DEFAULT_MAX_LINE_BYTES,
                        SseDecoder.DEFAULT_MAX_EVENT_BYTES,
                        bytes(
                                0xEF,
                                0xBB,
                                0xBF,
                                "event: café\r\ndata: 5 €\rdata: 𝄞 clef\n\n: hé\r\nid: ü-1\ndata: x\r\n\r\n",
                                "retry: 250\rdata: tail é"),
                        new Outcome(
                                List.of(
                                        event("café", "5 €\n𝄞 clef", "", 42),
                                        new SseComment(" hé"),
                                        event("message", "x", "ü-1", 24),
                                        new SseRetry(250)),
                                true,
                                "ü-1")),
                new Sample(
                        "spec examples with CRLF and CR",
                        SseDecoder.DEFAULT_MAX_LINE_BYTES,
                        SseDecoder.DEFAULT_MAX_EVENT_BYTES,
                        bytes("data: YHOO\r\ndata: +2\r\ndata: 10\r\n\r\n:\r\ndata\r\rdata\rdata\r\r"),
                        new Outcome(
                                List.of(event("YHOO\n+2\n10", 30), new SseComment(""), event("", 8), event("\n", 11)),
                                false,
                                "")),
                new Sample(
                        "malformed lines and events among good ones",
                        16,
                        24,
                        bytes(
                                "data: ok1\n\ndata: ",
                                0xC3,
                                0x28,
                                "\nid: 9\n\ndata: é€𝄞\n\n",
                                "data: 0123456789abcdefXYZ\r\ndata: skipped\r\n\r\n",
                                "data: 0123456789\ndata: 0123456789\ndata: 0123\n\n",
                                "data: ",
                                0xF0,
                                0x9D,
                                0x84,
                                "\n\ndata: end\n\n"),
                        new Outcome(
                                List.of(
                                        event("ok1", 11),
                                        invalidUtf8(6),
                                        event("é€𝄞", 17),
                                        lineTooLong(16),
                                        eventTooLong(24),
                                        invalidUtf8(6),
                                        event("end", 11)),
                                false,
                                "")),
                new Sample(
                        "blank lines of every kind and an id-only block",
                        SseDecoder.DEFAULT_MAX_LINE_BYTES,
                        SseDecoder.DEFAULT_MAX_EVENT_BYTES,
                        bytes("\r\n\r\n\n\rdata:a\r\n\r\nid:é\r\r\r\ndata:b\n"),
                        new Outcome(List.of(event("a", 8)), true, "é")),
                new Sample(
                        "a line longer than the initial buffer",
                        SseDecoder.DEFAULT_MAX_LINE_BYTES,
                        SseDecoder.DEFAULT_MAX_EVENT_BYTES,
                        bytes("id: a\n", "data: ", "x€".repeat(100), "\r\n\r\n"),
                        new Outcome(List.of(event("message", "x€".repeat(100), "a", 414)), false, "a")));
    }

    private static Outcome run(SseDecoder decoder, List<byte[]> chunks) {
        List<SseFrame> frames = new ArrayList<>();
        for (byte[] chunk : chunks) {
            decoder.decode(chunk, 0, chunk.length, frames::add);
        }
        boolean lost = decoder.finish();
        return new Outcome(frames, lost, decoder.lastEventId());
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void oneChunkGivesTheExpectedFrames(Sample sample) {
        assertThat(run(sample.newDecoder(), List.of(sample.stream()))).isEqualTo(sample.expected());
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void everySplitIntoTwoChunksGivesTheSameFrames(Sample sample) {
        byte[] stream = sample.stream();
        for (int split = 0; split <= stream.length; split++) {
            List<byte[]> chunks =
                    List.of(Arrays.copyOfRange(stream, 0, split), Arrays.copyOfRange(stream, split, stream.length));

            assertThat(run(sample.newDecoder(), chunks))
                    .as("split at %d", split)
                    .isEqualTo(sample.expected());
        }
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void everySplitIntoThreeChunksGivesTheSameFrames(Sample sample) {
        byte[] stream = sample.stream();
        for (int first = 0; first <= stream.length; first++) {
            for (int second = first; second <= stream.length; second++) {
                List<byte[]> chunks = List.of(
                        Arrays.copyOfRange(stream, 0, first),
                        Arrays.copyOfRange(stream, first, second),
                        Arrays.copyOfRange(stream, second, stream.length));

                Outcome outcome = run(sample.newDecoder(), chunks);

                if (!outcome.equals(sample.expected())) {
                    assertThat(outcome).as("splits at %d and %d", first, second).isEqualTo(sample.expected());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void oneByteAtATimeGivesTheSameFrames(Sample sample) {
        List<byte[]> chunks = new ArrayList<>();
        for (byte b : sample.stream()) {
            chunks.add(new byte[] {b});
        }

        assertThat(run(sample.newDecoder(), chunks)).isEqualTo(sample.expected());
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void oneByteAtATimeThroughADirectBufferGivesTheSameFrames(Sample sample) {
        SseDecoder decoder = sample.newDecoder();
        List<SseFrame> frames = new ArrayList<>();
        ByteBuffer direct = ByteBuffer.allocateDirect(1);
        for (byte b : sample.stream()) {
            decoder.decode(direct.clear().put(b).flip(), frames::add);
        }
        boolean lost = decoder.finish();

        assertThat(new Outcome(frames, lost, decoder.lastEventId())).isEqualTo(sample.expected());
    }

    private static final Object[] TOKENS = {
        "data",
        "data:",
        "data: ",
        "event:",
        "id:",
        "retry:",
        "retry: 42",
        ":",
        " ",
        "x",
        "é",
        "€",
        "𝄞",
        "123",
        "\r",
        "\n",
        "\r\n",
        "\n\n",
        "yyyyyyyyyyyyyyyyyyyy",
        0xFF,
        0xC3,
        0x00,
        0xEF,
        0xBB,
        0xBF
    };

    @Test
    void randomStreamsDecodeTheSameWhateverTheChunksAndTheDecoderRecovers() {
        for (int seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int i = 0; i < 400; i++) {
                stream.writeBytes(bytes(TOKENS[random.nextInt(TOKENS.length)]));
            }
            byte[] garbage = stream.toByteArray();
            List<byte[]> chunks = new ArrayList<>();
            for (int from = 0; from < garbage.length; ) {
                int to = Math.min(garbage.length, from + random.nextInt(41));
                chunks.add(Arrays.copyOfRange(garbage, from, to));
                from = to;
            }

            Outcome whole = run(new SseDecoder(32, 64), List.of(garbage));
            Outcome chunked = run(new SseDecoder(32, 64), chunks);
            assertThat(chunked).as("seed %d", seed).isEqualTo(whole);

            SseDecoder decoder = new SseDecoder(32, 64);
            List<SseFrame> frames = new ArrayList<>();
            decoder.decode(garbage, 0, garbage.length, frames::add);
            frames.clear();
            decoder.decode(bytes("\n\ndata: ok\n\n"), 0, 12, frames::add);
            assertThat(frames.getLast())
                    .as("seed %d", seed)
                    .isEqualTo(event("message", "ok", decoder.lastEventId(), 10, false));
        }
    }
}
