package io.watchgate.gateway.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.IdentifierFilter;
import io.watchgate.core.IdentifierFilter.Operator;
import io.watchgate.core.Notification;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class IdentifierMatcherTests {

    private static Notification with(Map<String, String> identifier) {
        return new Notification("t@1", OptionalLong.of(1), "t", null, identifier, null, "{}");
    }

    @Test
    void equalityComparesStringsOrNumbers() {
        var matcher = new IdentifierMatcher(
                Map.of("class", IdentifierFilter.exact("od"), "step", IdentifierFilter.exact("4")));
        assertThat(matcher.test(with(Map.of("class", "od", "step", "4.0")))).isTrue();
        assertThat(matcher.test(with(Map.of("class", "rd", "step", "4")))).isFalse();
        assertThat(matcher.test(with(Map.of("class", "od"))))
                .as("a missing field never matches")
                .isFalse();
    }

    @Test
    void numbersAreRecognisedInEveryFormBigDecimalReads() {
        var minusOne = new IdentifierMatcher(Map.of("n", IdentifierFilter.exact("-1")));
        assertThat(minusOne.test(with(Map.of("n", "-1.0")))).isTrue();
        var half = new IdentifierMatcher(Map.of("n", IdentifierFilter.exact(".5")));
        assertThat(half.test(with(Map.of("n", "0.50")))).isTrue();
        var thousand = new IdentifierMatcher(Map.of("n", IdentifierFilter.exact("+1e3")));
        assertThat(thousand.test(with(Map.of("n", " 1000 ")))).isTrue();
        assertThat(thousand.test(with(Map.of("n", "1000x")))).isFalse();
        assertThat(thousand.test(with(Map.of("n", "-")))).isFalse();
        assertThat(thousand.test(with(Map.of("n", "")))).isFalse();
    }

    @Test
    void orderingOperatorsCompareNumbersOnly() {
        var gte = new IdentifierMatcher(Map.of("step", IdentifierFilter.constraint(Operator.GTE, "4")));
        assertThat(gte.test(with(Map.of("step", "4")))).isTrue();
        assertThat(gte.test(with(Map.of("step", "10"))))
                .as("numeric, not lexical")
                .isTrue();
        assertThat(gte.test(with(Map.of("step", "3")))).isFalse();
        assertThat(gte.test(with(Map.of("step", "x")))).isFalse();
        var between = new IdentifierMatcher(Map.of("step", IdentifierFilter.constraint(Operator.BETWEEN, "3", "7")));
        assertThat(between.test(with(Map.of("step", "3")))).isTrue();
        assertThat(between.test(with(Map.of("step", "7")))).isTrue();
        assertThat(between.test(with(Map.of("step", "8")))).isFalse();
        var lt = new IdentifierMatcher(Map.of("step", IdentifierFilter.constraint(Operator.LT, "2")));
        assertThat(lt.test(with(Map.of("step", "1.5")))).isTrue();
        assertThat(lt.test(with(Map.of("step", "2")))).isFalse();
    }

    @Test
    void inMatchesAnyOperand() {
        var in = new IdentifierMatcher(Map.of("region", IdentifierFilter.constraint(Operator.IN, "north", "south")));
        assertThat(in.test(with(Map.of("region", "south")))).isTrue();
        assertThat(in.test(with(Map.of("region", "east")))).isFalse();
    }

    @Test
    void subscribersWithTheSameFiltersShareAMatcher() {
        var shared = IdentifierMatcher.of(Map.of("class", IdentifierFilter.exact("od")));
        assertThat(IdentifierMatcher.of(Map.of("class", IdentifierFilter.exact("od"))))
                .isSameAs(shared);
        assertThat(IdentifierMatcher.of(Map.of("class", IdentifierFilter.exact("rd"))))
                .isNotSameAs(shared);
        assertThat(shared.test(with(Map.of("class", "od")))).isTrue();
        assertThat(shared.test(with(Map.of("class", "rd")))).isFalse();
    }
}
