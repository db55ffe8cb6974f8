package io.watchgate.core.sse;

import static io.watchgate.core.sse.SseTestSupport.bytes;
import static io.watchgate.core.sse.SseTestSupport.decode;
import static io.watchgate.core.sse.SseTestSupport.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The WHATWG event stream interpretation rules, one by one, and the decoder's API contract. */
class SseDecoderTests {

    private static final int BOM_1 = 0xEF;
    private static final int BOM_2 = 0xBB;
    private static final int BOM_3 = 0xBF;

    @Nested
    class LineEndings {

        @Test
        void lf() {
            assertThat(decode("data: a\n\ndata: b\n\n")).containsExactly(event("a", 9), event("b", 9));
        }

        @Test
        void crlf() {
            assertThat(decode("data: a\r\n\r\ndata: b\r\n\r\n")).containsExactly(event("a", 9), event("b", 9));
        }

        @Test
        void cr() {
            assertThat(decode("data: a\r\rdata: b\r\r")).containsExactly(event("a", 9), event("b", 9));
        }

        @Test
        void mixed() {
            assertThat(decode("data: a\r\ndata: b\rdata: c\n\r\ndata: d\n\r"))
                    .containsExactly(event("a\nb\nc", 25), event("d", 9));
        }

        @Test
        void crAtTheEndOfAChunkAndLfAtTheStartOfTheNextAreOneLineEnding() {
            SseDecoder decoder = new SseDecoder();

            // Were the LF a second line ending, it would be a blank line dispatching "a" alone.
            assertThat(decode(decoder, bytes("data: a\r"), bytes("\ndata: b\n\n")))
                    .containsExactly(event("a\nb", 17));
        }

        @Test
        void crAndLfSeparatedByAnEmptyChunkAreOneLineEnding() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("data: a\r"), bytes(""), bytes("\ndata: b\n\n")))
                    .containsExactly(event("a\nb", 17));
        }

        @Test
        void crAtTheEndOfAChunkFollowedByAnotherLine() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("data: a\r"), bytes("data: b\r\r")))
                    .containsExactly(event("a\nb", 17));
        }

        @Test
        void aBlankLineEndedByCrDispatchesWithoutWaitingForTheNextChunk() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("data: a\r\r"))).containsExactly(event("a", 9));
            assertThat(decode(decoder, bytes("\ndata: b\r\n\r"))).containsExactly(event("b", 9));
            assertThat(decode(decoder, bytes("\n"))).isEmpty();
            assertThat(decoder.finish()).isFalse();
        }

        @Test
        void twoCrsAtTheEndOfAChunkAreTwoLineEndings() {
            SseDecoder decoder = new SseDecoder();

            // CR CR | LF: the LF pairs with the second CR only, so "data: b" starts a new event.
            assertThat(decode(decoder, bytes("data: a\r\r"), bytes("\ndata: b\n\n")))
                    .containsExactly(event("a", 9), event("b", 9));
        }
    }

    @Nested
    class Comments {

        @Test
        void aLineStartingWithAColonIsACommentKeptVerbatim() {
            assertThat(decode(": hello\n:\n:no space\n::x\n"))
                    .containsExactly(
                            new SseComment(" hello"),
                            new SseComment(""),
                            new SseComment("no space"),
                            new SseComment(":x"));
        }

        @Test
        void aCommentInsideAnEventDoesNotInterruptIt() {
            assertThat(decode("data: a\n: c\ndata: b\n\n")).containsExactly(new SseComment(" c"), event("a\nb", 21));
        }

        @Test
        void aCommentFollowedByABlankLineDispatchesNothing() {
            assertThat(decode(":hb\n\n:hb\n\n")).containsExactly(new SseComment("hb"), new SseComment("hb"));
        }
    }

    @Nested
    class Data {

        @Test
        void multipleDataLinesAreJoinedWithLineFeeds() {
            assertThat(decode("data: line 1\ndata: line 2\ndata: line 3\n\n"))
                    .containsExactly(event("line 1\nline 2\nline 3", 40));
        }

        @Test
        void onlyOneSpaceAfterTheColonIsRemoved() {
            assertThat(decode("data:x\n\ndata: x\n\ndata:  x\n\ndata: x \n\ndata:\tx\n\n"))
                    .containsExactly(event("x", 8), event("x", 9), event(" x", 10), event("x ", 10), event("\tx", 9));
        }

        @Test
        void aSpaceBeforeTheColonMakesAnotherFieldName() {
            assertThat(decode("data :x\n\n")).isEmpty();
        }

        @Test
        void aFieldWithoutColonHasAnEmptyValue() {
            assertThat(decode("data\n\n")).containsExactly(event("", 6));
        }

        @Test
        void anEmptyDataFieldIsStillDispatched() {
            assertThat(decode("data:\n\n")).containsExactly(event("", 7));
        }

        @Test
        void aBlockWithoutDataIsNotDispatched() {
            assertThat(decode("\n\n\nevent: x\n\nid\n\nretry: x\n\nfoo\n\n")).isEmpty();
        }

        @Test
        void multibyteCharactersAreDecoded() {
            assertThat(decode("data: é € 𝄞\n\n")).containsExactly(event("é € 𝄞", 19));
        }
    }

    @Nested
    class EventType {

        @Test
        void theTypeDefaultsToMessageAndIsResetAfterEachDispatch() {
            assertThat(decode("event: add\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\nevent: a\nevent: b\ndata: 4\n\n"))
                    .containsExactly(
                            event("add", "1", "", 20),
                            event("message", "2", "", 9),
                            event("message", "3", "", 16),
                            event("b", "4", "", 27));
        }

        @Test
        void theTypeIsResetEvenWhenNothingWasDispatched() {
            assertThat(decode("event: add\n\ndata: 2\n\n")).containsExactly(event("message", "2", "", 9));
        }

        @Test
        void aFieldWithoutColonSetsAnEmptyType() {
            assertThat(decode("event: x\nevent\ndata: y\n\n")).containsExactly(event("message", "y", "", 24));
        }
    }

    @Nested
    class Id {

        @Test
        void theLastEventIdPersistsAcrossEvents() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("id: 7\ndata: a\n\ndata: b\n\n")))
                    .containsExactly(event("message", "a", "7", 15), event("message", "b", "7", 9, false));
            assertThat(decoder.lastEventId()).isEqualTo("7");
        }

        @Test
        void ownIdTellsWhetherTheEventSetItsId() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(
                            decoder, bytes("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid: 3\u0000\ndata: d\n\n")))
                    .extracting(frame -> ((SseEvent) frame).data() + "/" + ((SseEvent) frame).ownId())
                    .containsExactly("a/true", "b/false", "c/true", "d/false");
        }

        @Test
        void anIdContainingNulIsIgnored() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("id: 1\n\nid: a", 0, "b\ndata: x\n\n")))
                    .containsExactly(event("message", "x", "1", 17, false));
            assertThat(decoder.lastEventId()).isEqualTo("1");
        }

        @Test
        void anEmptyIdResetsTheLastEventId() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("id: 7\ndata: a\n\nid\ndata: b\n\nid: 8\n\nid:\ndata: c\n\n")))
                    .containsExactly(
                            event("message", "a", "7", 15),
                            event("message", "b", "", 12, true),
                            event("message", "c", "", 13, true));
            assertThat(decoder.lastEventId()).isEmpty();
        }

        @Test
        void anIdWithoutDataUpdatesTheLastEventIdAtTheBlankLine() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("id: 9\n"))).isEmpty();
            assertThat(decoder.lastEventId()).isEmpty();
            assertThat(decode(decoder, bytes("\n"))).isEmpty();
            assertThat(decoder.lastEventId()).isEqualTo("9");
            assertThat(decode(decoder, bytes("data: x\n\n"))).containsExactly(event("message", "x", "9", 9, false));
        }

        @Test
        void theIdValueKeepsSpacesBeyondTheFirst() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("id:  a b \ndata: x\n\n")))
                    .containsExactly(event("message", "x", " a b ", 19));
        }

        @Test
        void theLastIdOfAnEventWins() {
            assertThat(decode("id: 1\nid: 2\ndata: x\n\n")).containsExactly(event("message", "x", "2", 21));
        }
    }

    @Nested
    class Retry {

        @Test
        void aRetryOfAsciiDigitsIsReported() {
            assertThat(decode("retry: 1500\nretry:0\nretry: 9223372036854775807\n"))
                    .containsExactly(new SseRetry(1500), new SseRetry(0), new SseRetry(Long.MAX_VALUE));
        }

        @Test
        void aRetryWithAnythingButAsciiDigitsIsIgnored() {
            assertThat(decode("retry: 12a\nretry: -1\nretry: +1\nretry:  15\nretry: 15 \nretry:\nretry\nretry: 1.5\n"
                            + "retry: \u0661\u0662\nretry: 9223372036854775808\nretry: 99999999999999999999\n"))
                    .isEmpty();
        }

        @Test
        void aRetryIsReportedAtOnceAndDoesNotDisturbTheEvent() {
            assertThat(decode("data: a\nretry: 10\ndata: b\n\n")).containsExactly(new SseRetry(10), event("a\nb", 27));
        }
    }

    @Nested
    class Fields {

        @Test
        void unknownFieldsAndWrongCaseAreIgnored() {
            assertThat(decode("foo: bar\nDATA: x\nData: y\n data: w\ndat: v\ndatas: u\nID: 3\ndata: z\n\n"))
                    .containsExactly(event("z", 65));
        }

        @Test
        void theFirstColonSeparatesNameAndValue() {
            assertThat(decode("data: a: b\n\nevent:x:y\ndata\n\n"))
                    .containsExactly(event("a: b", 12), event("x:y", "", "", 16));
        }
    }

    @Nested
    class ByteOrderMark {

        @Test
        void aBomAtTheStartIsSkippedAndNotCounted() {
            assertThat(decode(new SseDecoder(), bytes(BOM_1, BOM_2, BOM_3, "data: a\n\n")))
                    .containsExactly(event("a", 9));
        }

        @Test
        void aBomAloneOnTheFirstLineMakesABlankLine() {
            assertThat(decode(new SseDecoder(), bytes(BOM_1, BOM_2, BOM_3, "\ndata: a\n\n")))
                    .containsExactly(event("a", 9));
        }

        @Test
        void aBomLaterInTheStreamIsNotSkipped() {
            // The field name becomes "\uFEFFdata": an unknown field.
            assertThat(decode(new SseDecoder(), bytes("data: a\n\n", BOM_1, BOM_2, BOM_3, "data: b\n\n")))
                    .containsExactly(event("a", 9));
        }

        @Test
        void onlyOneBomIsSkipped() {
            assertThat(decode(new SseDecoder(), bytes(BOM_1, BOM_2, BOM_3, BOM_1, BOM_2, BOM_3, "data: a\n\n")))
                    .isEmpty();
        }

        @Test
        void aBomSplitAcrossChunksIsSkipped() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes(BOM_1), bytes(BOM_2), bytes(BOM_3, "data: a\n\n")))
                    .containsExactly(event("a", 9));
        }

        @Test
        void aBomIsAcceptedAgainAtTheStartOfTheNextStream() {
            SseDecoder decoder = new SseDecoder();
            decode(decoder, bytes("data: a\n\n"));
            decoder.finish();

            assertThat(decode(decoder, bytes(BOM_1, BOM_2, BOM_3, "data: b\n\n")))
                    .containsExactly(event("b", 9));
        }
    }

    @Nested
    class EndOfStream {

        @Test
        void anEventWithoutItsBlankLineIsDiscarded() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("data: a\n\ndata: b\n"))).containsExactly(event("a", 9));
            assertThat(decoder.finish()).isTrue();
        }

        @Test
        void anUnterminatedLineIsDiscarded() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("data: a\n\n:partial comment"))).containsExactly(event("a", 9));
            assertThat(decoder.finish()).isTrue();
        }

        @Test
        void aPendingEventTypeOrIdCounts() {
            SseDecoder types = new SseDecoder();
            decode(types, bytes("event: x\n"));
            SseDecoder ids = new SseDecoder();
            decode(ids, bytes("id: x\n"));

            assertThat(types.finish()).isTrue();
            assertThat(ids.finish()).isTrue();
        }

        @Test
        void nothingIsLostAfterABlankLineOrCompleteCommentsRetriesAndUnknownFields() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("data: a\n\n:c\nretry: 5\nfoo: bar\n")))
                    .containsExactly(event("a", 9), new SseComment("c"), new SseRetry(5));
            assertThat(decoder.finish()).isFalse();
            assertThat(new SseDecoder().finish()).isFalse();
        }

        @Test
        void theIdOfADiscardedEventIsNotKept() {
            SseDecoder decoder = new SseDecoder();
            decode(decoder, bytes("id: 1\n\nid: 2\ndata: x\n"));

            assertThat(decoder.finish()).isTrue();
            assertThat(decoder.lastEventId()).isEqualTo("1");
            assertThat(decode(decoder, bytes("data: y\n\n"))).containsExactly(event("message", "y", "1", 9, false));
        }

        @Test
        void theNextStreamStartsAfresh() {
            SseDecoder decoder = new SseDecoder();
            decode(decoder, bytes("event: t\ndata: a\ndata: partial"));
            decoder.finish();

            assertThat(decode(decoder, bytes("line\n\n"))).isEmpty();
            assertThat(decode(decoder, bytes("data: b\n\n"))).containsExactly(event("b", 9));
            assertThat(decoder.finish()).isFalse();
        }
    }

    @Nested
    class SpecExamples {

        @Test
        void stockTicker() {
            assertThat(decode("data: YHOO\ndata: +2\ndata: 10\n\n")).containsExactly(event("YHOO\n+2\n10", 30));
        }

        @Test
        void commentAndIds() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(
                            decoder,
                            bytes(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
                                    + "data:  third event\n\n")))
                    .containsExactly(
                            new SseComment(" test stream"),
                            event("message", "first event", "1", 25),
                            event("message", "second event", "", 22, true),
                            event("message", " third event", "", 20, false));
        }

        @Test
        void emptyDataAndALoneLineFeed() {
            SseDecoder decoder = new SseDecoder();

            assertThat(decode(decoder, bytes("data\n\ndata\ndata\n\ndata:")))
                    .containsExactly(event("", 6), event("\n", 11));
            assertThat(decoder.finish()).isTrue();
        }

        @Test
        void theSpaceAfterTheColonIsOptional() {
            assertThat(decode("data:test\n\ndata: test\n\n")).containsExactly(event("test", 11), event("test", 12));
        }
    }

    @Nested
    class Size {

        @Test
        void sizeCountsEveryLineOfTheBlockWithOneByteForEachLineEnding() {
            // "event: t" 9 + ": c" 4 + "data: é" 9 + "foo" 4 + blank 1
            assertThat(decode("event: t\n: c\r\ndata: é\rfoo\r\n\n"))
                    .containsExactly(new SseComment(" c"), event("t", "é", "", 27));
        }

        @Test
        void linesOfBlocksWithoutDataAreNotCarriedOver() {
            assertThat(decode(":hb\n\nid\n\ndata: a\n\n")).containsExactly(new SseComment("hb"), event("a", 9));
        }
    }

    @Nested
    class Api {

        @Test
        void onlyTheGivenRangeOfTheArrayIsDecoded() {
            List<SseFrame> frames = new ArrayList<>();
            byte[] array = bytes("data: x\n\ndata: a\n\ndata: y\n\n");

            new SseDecoder().decode(array, 9, 9, frames::add);

            assertThat(frames).containsExactly(event("a", 9));
        }

        @Test
        void anInvalidRangeIsRejected() {
            SseDecoder decoder = new SseDecoder();
            List<SseFrame> frames = new ArrayList<>();

            assertThatThrownBy(() -> decoder.decode(new byte[4], 2, 3, frames::add))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }

        @Test
        void aHeapBufferIsConsumedFromItsPositionToItsLimit() {
            byte[] array = bytes("XXdata: a\n\ndata: b\n\nYY");
            ByteBuffer chunk =
                    ByteBuffer.wrap(array, 1, array.length - 2).slice().position(1);
            List<SseFrame> frames = new ArrayList<>();

            new SseDecoder().decode(chunk, frames::add);

            assertThat(frames).containsExactly(event("a", 9), event("b", 9));
            assertThat(chunk.hasRemaining()).isFalse();
        }

        @Test
        void directAndReadOnlyBuffersLargerThanTheCopyBufferAreDecoded() {
            String big = "é".repeat(10_000);
            byte[] array = bytes("data: ", big, "\n\n");
            ByteBuffer direct =
                    ByteBuffer.allocateDirect(array.length).put(array).flip();
            ByteBuffer readOnly = ByteBuffer.wrap(array).asReadOnlyBuffer();
            List<SseFrame> frames = new ArrayList<>();
            SseDecoder decoder = new SseDecoder();

            decoder.decode(direct, frames::add);
            decoder.decode(readOnly, frames::add);

            assertThat(frames).containsExactly(event(big, 20_008), event(big, 20_008));
            assertThat(direct.hasRemaining()).isFalse();
            assertThat(readOnly.hasRemaining()).isFalse();
        }

        @Test
        void limitsMustBePositive() {
            assertThatThrownBy(() -> new SseDecoder(0, 10)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new SseDecoder(10, -1)).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void theLastEventIdIsInitiallyEmpty() {
            assertThat(new SseDecoder().lastEventId()).isEmpty();
        }
    }
}
