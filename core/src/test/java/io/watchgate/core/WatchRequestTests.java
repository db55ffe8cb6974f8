package io.watchgate.core;

import static io.watchgate.core.IdentifierFilter.Operator.BETWEEN;
import static io.watchgate.core.IdentifierFilter.Operator.EQ;
import static io.watchgate.core.IdentifierFilter.Operator.GT;
import static io.watchgate.core.IdentifierFilter.Operator.GTE;
import static io.watchgate.core.IdentifierFilter.Operator.IN;
import static io.watchgate.core.IdentifierFilter.Operator.LT;
import static io.watchgate.core.IdentifierFilter.Operator.LTE;
import static io.watchgate.core.IdentifierFilter.constraint;
import static io.watchgate.core.IdentifierFilter.exact;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.watchgate.core.IdentifierFilter.Operator;
import io.watchgate.core.WatchRequest.AvisoRequest;
import io.watchgate.core.WatchRequest.SseRequest;
import io.watchgate.core.cursor.Checkpoint;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class WatchRequestTests {

    private static AvisoRequest mars() {
        return WatchRequest.aviso("mars");
    }

    @Nested
    class AvisoCanonicalForm {

        @Test
        void isPinnedForATypicalRequest() {
            AvisoRequest request = mars().where("class", "od")
                    .where("step", constraint(GTE, "4"))
                    .where("domain", constraint(IN, "g", "a"));

            assertThat(request.canonical()).isEqualTo("aviso:mars?class=od&domain[in]=a,g&step[gte]=4");
            assertThat(request.replayOnly().canonical())
                    .isEqualTo("aviso:mars?class=od&domain[in]=a,g&step[gte]=4#replay");
            assertThat(mars().canonical()).isEqualTo("aviso:mars?");
        }

        @Test
        void doesNotDependOnTheOrderOfWhereCalls() {
            AvisoRequest one = mars().where("class", "od")
                    .where("expver", "0001")
                    .where("step", constraint(BETWEEN, "3", "7"))
                    .where("domain", "g");
            AvisoRequest other = mars().where("domain", "g")
                    .where("step", constraint(BETWEEN, "3", "7"))
                    .where("class", "od")
                    .where("expver", "0001");

            assertThat(one.canonical()).isEqualTo(other.canonical());
            assertThat(one).isEqualTo(other);
        }

        @Test
        void doesNotDependOnTheStart() {
            AvisoRequest plain = mars().where("class", "od");
            String expected = plain.canonical();

            assertThat(plain.fromSequence(42).canonical()).isEqualTo(expected);
            assertThat(plain.fromDate(Instant.parse("2025-07-06T12:00:00Z")).canonical())
                    .isEqualTo(expected);
            assertThat(plain.from(Start.live()).canonical()).isEqualTo(expected);
            assertThat(plain.from(Start.after(Checkpoint.of("mars@41", 41))).canonical())
                    .isEqualTo(expected);
            assertThat(plain.fromSequence(42).from(null).canonical()).isEqualTo(expected);
        }

        @Test
        void inOperandOrderDoesNotMatter() {
            assertThat(mars().where("domain", constraint(IN, "g", "a", "b")).canonical())
                    .isEqualTo(mars().where("domain", constraint(IN, "b", "g", "a"))
                            .canonical())
                    .isEqualTo(mars().where("domain", constraint(IN, "a", "b", "g"))
                            .canonical());
        }

        @Test
        void betweenOperandOrderMatters() {
            assertThat(mars().where("step", constraint(BETWEEN, "3", "7")).canonical())
                    .isNotEqualTo(
                            mars().where("step", constraint(BETWEEN, "7", "3")).canonical());
        }

        @Test
        void aLaterWhereOnTheSameFieldReplacesTheEarlierOne() {
            AvisoRequest replaced = mars().where("step", "1").where("step", constraint(GT, "2"));

            assertThat(replaced.identifier()).containsOnlyKeys("step");
            assertThat(replaced.canonical()).isEqualTo("aviso:mars?step[gt]=2");
        }

        @Test
        void aNumericWhereIsTheSameAsItsDecimalString() {
            assertThat(mars().where("step", 4).canonical())
                    .isEqualTo(mars().where("step", "4").canonical())
                    .isEqualTo("aviso:mars?step=4");
        }

        static Stream<Arguments> differentRequests() {
            return Stream.of(
                    Arguments.of("event type", mars(), WatchRequest.aviso("diss")),
                    Arguments.of("field present or not", mars(), mars().where("class", "od")),
                    Arguments.of("field name", mars().where("class", "od"), mars().where("klass", "od")),
                    Arguments.of("exact value", mars().where("class", "od"), mars().where("class", "rd")),
                    Arguments.of("value case", mars().where("class", "od"), mars().where("class", "OD")),
                    Arguments.of(
                            "exact vs eq constraint",
                            mars().where("step", "4"),
                            mars().where("step", constraint(EQ, "4"))),
                    Arguments.of(
                            "operator",
                            mars().where("step", constraint(GT, "4")),
                            mars().where("step", constraint(GTE, "4"))),
                    Arguments.of(
                            "lt vs lte",
                            mars().where("step", constraint(LT, "4")),
                            mars().where("step", constraint(LTE, "4"))),
                    Arguments.of(
                            "constraint operand",
                            mars().where("step", constraint(GTE, "4")),
                            mars().where("step", constraint(GTE, "5"))),
                    Arguments.of(
                            "in operand set",
                            mars().where("domain", constraint(IN, "g", "a")),
                            mars().where("domain", constraint(IN, "g", "b"))),
                    Arguments.of(
                            "in with fewer operands",
                            mars().where("domain", constraint(IN, "g", "a")),
                            mars().where("domain", constraint(IN, "g"))),
                    Arguments.of(
                            "mode",
                            mars().where("class", "od"),
                            mars().where("class", "od").replayOnly()));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("differentRequests")
        void differsWhenTheStreamDiffers(String what, AvisoRequest one, AvisoRequest other) {
            assertThat(one.canonical()).isNotEqualTo(other.canonical());
        }

        @Test
        void anExactValueWithACommaDoesNotCollideWithAnInList() {
            AvisoRequest exact = mars().where("domain", "a,b");
            AvisoRequest in = mars().where("domain", constraint(IN, "a", "b"));

            assertThat(exact.canonical()).isEqualTo("aviso:mars?domain=a%2Cb");
            assertThat(exact.canonical()).isNotEqualTo(in.canonical());
        }

        @Test
        void anInOperandWithACommaDoesNotCollideWithTwoOperands() {
            assertThat(mars().where("domain", constraint(IN, "a,b")).canonical())
                    .isNotEqualTo(
                            mars().where("domain", constraint(IN, "a", "b")).canonical());
        }

        @Test
        void separatorsInFieldNamesAndValuesDoNotCollide() {
            // Without escaping, all three would read "a=b=c" or "a=b&c=d".
            assertThat(mars().where("a=b", "c").canonical())
                    .isEqualTo("aviso:mars?a%3Db=c")
                    .isNotEqualTo(mars().where("a", "b=c").canonical());
            assertThat(mars().where("a", "b&c=d").canonical())
                    .isEqualTo("aviso:mars?a=b%26c%3Dd")
                    .isNotEqualTo(mars().where("a", "b").where("c", "d").canonical());
            assertThat(mars().where("a&c", "d").canonical())
                    .isNotEqualTo(mars().where("a", "").where("c", "d").canonical());
        }

        @Test
        void aFieldNameLookingLikeAConstraintDoesNotCollideWithTheConstraint() {
            assertThat(mars().where("step[gte]", "4").canonical())
                    .isEqualTo("aviso:mars?step%5Bgte%5D=4")
                    .isNotEqualTo(mars().where("step", constraint(GTE, "4")).canonical());
        }

        @Test
        void anEventTypeCannotImitateFiltersOrTheReplayMode() {
            assertThat(WatchRequest.aviso("mars?class=od").canonical())
                    .isNotEqualTo(mars().where("class", "od").canonical());
            assertThat(WatchRequest.aviso("mars#replay").canonical())
                    .isNotEqualTo(mars().replayOnly().canonical());
        }

        @Test
        void nonAsciiAndSpacesArePercentEncodedAsUtf8() {
            assertThat(mars().where("région", "a b").canonical()).isEqualTo("aviso:mars?r%C3%A9gion=a%20b");
        }
    }

    @Nested
    class AvisoValidation {

        @ParameterizedTest
        @ValueSource(strings = {"", " ", "\t"})
        void rejectsABlankEventType(String eventType) {
            assertThatThrownBy(() -> WatchRequest.aviso(eventType))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("eventType");
        }

        @Test
        void rejectsABlankFieldName() {
            assertThatThrownBy(() -> mars().where(" ", "od"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("field name");
        }

        @Test
        void theRecordConstructorAlsoRejectsBlankFieldNamesAndNullFilters() {
            TreeMap<String, IdentifierFilter> blank = new TreeMap<>(Map.of("", exact("od")));
            assertThatThrownBy(() -> new AvisoRequest("mars", blank, null, WatchMode.WATCH))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("field name");

            TreeMap<String, IdentifierFilter> nullFilter = new TreeMap<>();
            nullFilter.put("class", null);
            assertThatNullPointerException()
                    .isThrownBy(() -> new AvisoRequest("mars", nullFilter, null, WatchMode.WATCH))
                    .withMessageContaining("class");
        }

        @Test
        void rejectsANullExactValue() {
            assertThatNullPointerException().isThrownBy(() -> exact(null));
        }

        @Test
        void betweenNeedsExactlyTwoValues() {
            assertThatThrownBy(() -> constraint(BETWEEN, "3"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'between' needs exactly two values");
            assertThatThrownBy(() -> constraint(BETWEEN, "3", "5", "7"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'between' needs exactly two values");
        }

        @Test
        void inNeedsAtLeastOneValue() {
            assertThatThrownBy(() -> constraint(IN))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'in' needs at least one value");
        }

        @ParameterizedTest
        @EnumSource(
                value = Operator.class,
                names = {"EQ", "GT", "GTE", "LT", "LTE"})
        void singleOperandOperatorsNeedExactlyOneValue(Operator operator) {
            assertThatThrownBy(() -> constraint(operator))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'" + operator.wireName() + "' needs exactly one value");
            assertThatThrownBy(() -> constraint(operator, "1", "2"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'" + operator.wireName() + "' needs exactly one value");
            assertThat(constraint(operator, "1").canonical()).isEqualTo("[" + operator.wireName() + "]=1");
        }

        @Test
        void constraintOperandsAreCopied() {
            String[] values = {"g", "a"};
            IdentifierFilter filter = constraint(IN, values);
            values[0] = "x";

            assertThat(((IdentifierFilter.Constraint) filter).values()).containsExactly("g", "a");
        }

        @Test
        void anAfterStartNeedsASequence() {
            Start opaque = Start.after(Checkpoint.of("mars@41"));

            assertThatThrownBy(() -> mars().from(opaque))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs its sequence");
            assertThat(mars().from(Start.after(Checkpoint.of("mars@41", 41))).start())
                    .isEqualTo(Start.after(Checkpoint.of("mars@41", 41)));
        }

        @Test
        void aReplayOnlyRequestCannotStartLive() {
            // aviso answers 400 INVALID_REPLAY_REQUEST to a /replay without from_id or from_date.
            assertThatThrownBy(() -> mars().from(Start.live()).replayOnly())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("replay-only");
            assertThatThrownBy(() -> mars().replayOnly().from(Start.live()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("replay-only");
            assertThat(mars().replayOnly().fromSequence(0).mode()).isEqualTo(WatchMode.REPLAY_ONLY);
            assertThat(mars().replayOnly().start()).isNull();
        }

        @Test
        void startsAreValidated() {
            assertThatThrownBy(() -> Start.fromSequence(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
            assertThat(Start.fromSequence(0)).isEqualTo(new Start.FromSequence(0));
            assertThatNullPointerException().isThrownBy(() -> Start.fromDate(null));
            assertThatNullPointerException().isThrownBy(() -> Start.after(null));
        }

        @Test
        void buildersReturnNewRequestsAndKeepTheOriginalUnchanged() {
            AvisoRequest base = mars().where("class", "od");
            AvisoRequest derived = base.where("step", "1").fromSequence(5).replayOnly();

            assertThat(base.identifier()).containsOnlyKeys("class");
            assertThat(base.start()).isNull();
            assertThat(base.mode()).isEqualTo(WatchMode.WATCH);
            assertThat(derived.identifier()).containsOnlyKeys("class", "step");
            assertThat(derived.start()).isEqualTo(Start.fromSequence(5));
            assertThat(derived.mode()).isEqualTo(WatchMode.REPLAY_ONLY);
            assertThatThrownBy(() -> derived.identifier().put("x", exact("y")))
                    .isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void operatorsRoundTripThroughTheirWireNames() {
            for (Operator operator : Operator.values()) {
                assertThat(Operator.fromWireName(operator.wireName())).isEqualTo(operator);
            }
            assertThat(BETWEEN.wireName()).isEqualTo("between");
            assertThatThrownBy(() -> Operator.fromWireName("GTE"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'GTE'");
        }
    }

    @Nested
    class SseCanonicalForm {

        @Test
        void isPinnedAndEscaped() {
            assertThat(WatchRequest.sse().canonical()).isEqualTo("sse:?");
            assertThat(WatchRequest.sse()
                            .variable("channel", "a b")
                            .variable("region", "eu/west")
                            .canonical())
                    .isEqualTo("sse:?channel=a%20b&region=eu/west");
        }

        @Test
        void doesNotDependOnTheOrderOfVariableCalls() {
            SseRequest one =
                    WatchRequest.sse().variable("b", "2").variable("a", "1").variable("c", "3");
            SseRequest other = WatchRequest.sse().variable("c", "3").variables(Map.of("a", "1", "b", "2"));

            assertThat(one.canonical()).isEqualTo(other.canonical()).isEqualTo("sse:?a=1&b=2&c=3");
        }

        @Test
        void doesNotDependOnTheStart() {
            SseRequest plain = WatchRequest.sse().variable("channel", "x");

            assertThat(plain.afterEventId("17").canonical()).isEqualTo(plain.canonical());
            assertThat(new SseRequest(plain.variables(), Start.live()).canonical())
                    .isEqualTo(plain.canonical());
        }

        @Test
        void differsForDifferentValuesAndNames() {
            SseRequest base = WatchRequest.sse().variable("channel", "x");

            assertThat(base.canonical())
                    .isNotEqualTo(WatchRequest.sse().variable("channel", "y").canonical())
                    .isNotEqualTo(WatchRequest.sse().variable("chan", "x").canonical())
                    .isNotEqualTo(WatchRequest.aviso("x").canonical());
        }

        @Test
        void separatorsInNamesAndValuesDoNotCollide() {
            assertThat(WatchRequest.sse().variable("a", "b&c=d").canonical())
                    .isNotEqualTo(WatchRequest.sse()
                            .variable("a", "b")
                            .variable("c", "d")
                            .canonical());
            assertThat(WatchRequest.sse().variable("a=b", "c").canonical())
                    .isNotEqualTo(WatchRequest.sse().variable("a", "b=c").canonical());
        }

        @Test
        void aLaterValueReplacesTheEarlierOne() {
            assertThat(WatchRequest.sse().variable("a", "1").variable("a", "2").variables())
                    .containsExactlyEntriesOf(Map.of("a", "2"));
        }
    }

    @Nested
    class SseValidation {

        static Stream<Start> historyStarts() {
            return Stream.of(Start.fromSequence(5), Start.fromSequence(0), Start.fromDate(Instant.EPOCH));
        }

        @ParameterizedTest
        @MethodSource("historyStarts")
        void rejectsStartsThatAnSseSourceCannotHonour(Start start) {
            assertThatThrownBy(() -> new SseRequest(new TreeMap<>(), start))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("an SSE source can start live or after an event id");
        }

        @Test
        void acceptsLiveAfterAndNoStart() {
            assertThat(new SseRequest(new TreeMap<>(), Start.live()).start()).isEqualTo(Start.live());
            assertThat(WatchRequest.sse().start()).isNull();
            assertThat(WatchRequest.sse().afterEventId("abc").start())
                    .isEqualTo(Start.after(new Checkpoint("abc", OptionalLong.empty(), 0)));
            assertThat(WatchRequest.sse().mode()).isEqualTo(WatchMode.WATCH);
        }

        @Test
        void rejectsNullValues() {
            assertThatNullPointerException().isThrownBy(() -> WatchRequest.sse().variable("a", null));
            Map<String, String> withNull = new HashMap<>();
            withNull.put("channel", null);
            assertThatNullPointerException()
                    .isThrownBy(() -> WatchRequest.sse().variables(withNull))
                    .withMessageContaining("channel");
        }

        @Test
        void variablesAreCopied() {
            Map<String, String> source = new HashMap<>(Map.of("a", "1"));
            SseRequest request = WatchRequest.sse().variables(source);
            source.put("b", "2");

            assertThat(request.variables()).containsOnlyKeys("a");
            assertThatThrownBy(() -> request.variables().put("c", "3"))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }
}
