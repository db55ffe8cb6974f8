package io.watchgate.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdentifierFilterTests {

    static IdentifierFilter.Condition constraint(String json) {
        return IdentifierFilter.constraint("k", TestJson.MAPPER.readTree(json));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"eq\":5}       | 5      | true",
                "{\"eq\":5}       | 5.0    | true",
                "{\"eq\":5}       | 05     | true",
                "{\"eq\":5}       | 6      | false",
                "{\"eq\":\"G\"}   | g      | true",
                "{\"eq\":\"G\"}   | a      | false",
                "{\"eq\":\"5\"}   | 5.00   | true",
                "{\"in\":[1,\"x\"]} | X    | true",
                "{\"in\":[1,\"x\"]} | 1    | true",
                "{\"in\":[1,\"x\"]} | 2    | false",
                "{\"gt\":4}       | 4      | false",
                "{\"gt\":4}       | 4.5    | true",
                "{\"gte\":4}      | 4      | true",
                "{\"lt\":4}       | 3.99   | true",
                "{\"lt\":4}       | 4      | false",
                "{\"lte\":4}      | 4      | true",
                "{\"lte\":4}      | abc    | false",
                "{\"between\":[2,7]} | 2   | true",
                "{\"between\":[2,7]} | 7   | true",
                "{\"between\":[2,7]} | 7.01 | false",
                "{\"between\":[2,7]} | 1   | false",
                "{\"gte\":-1.5}   | -1.5   | true",
            })
    void constraintsCompareNumbersAndFallBackToCaseInsensitiveText(String json, String stored, boolean expected) {
        assertThat(constraint(json).test(stored)).isEqualTo(expected);
    }

    @Test
    void aMissingEmptyOrWildcardStoredValueNeverMatchesAConstraint() {
        IdentifierFilter.Condition gte = constraint("{\"gte\":0}");
        assertThat(gte.test(null)).isFalse();
        assertThat(gte.test("")).isFalse();
        assertThat(gte.test("*")).isFalse();
        assertThat(constraint("{\"eq\":\"*\"}").test("*")).isFalse();
    }

    @Test
    void filtersMatchEveryConditionAndIgnoreUnmentionedKeys() {
        IdentifierFilter filter = new IdentifierFilter(
                Map.of("class", new IdentifierFilter.Equals("od"), "step", constraint("{\"gte\":4}")));
        assertThat(filter.matches(Map.of("class", "od", "step", "4", "extra", "x")))
                .isTrue();
        assertThat(filter.matches(Map.of("class", "OD", "step", "4"))).isFalse();
        assertThat(filter.matches(Map.of("class", "od"))).isFalse();
        assertThat(filter.matches(Map.of("step", "9"))).isFalse();
        assertThat(new IdentifierFilter(Map.of()).matches(Map.of())).isTrue();
        assertThat(filter.topic("mars")).isEqualTo("mars.od.*");
        assertThat(new IdentifierFilter(Map.of()).topic("mars")).isEqualTo("mars");
    }

    @Test
    void exactValuesRefuseConstraints() {
        assertThat(new IdentifierFilter(
                                Map.of("b", new IdentifierFilter.Equals("2"), "a", new IdentifierFilter.Equals("1")))
                        .exactValues())
                .containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        org.assertj.core.api.Assertions.assertThatIllegalStateException()
                .isThrownBy(() -> new IdentifierFilter(Map.of("s", constraint("{\"gt\":1}"))).exactValues());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{}                     | exactly one operator",
                "{\"gt\":1,\"lt\":3}    | exactly one operator",
                "{\"like\":1}           | unknown operator 'like'",
                "{\"gt\":\"1\"}         | identifier.k.gt must be a number",
                "{\"in\":[]}            | must be a non-empty list",
                "{\"between\":[3,1]}    | min <= max",
                "{\"between\":[1,2,3]}  | must be a list [min, max]",
                "{\"eq\":true}          | must be a number or a string",
            })
    void invalidConstraintsExplainThemselves(String json, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> constraint(json)).withMessageContaining(message);
    }

    @Test
    void numbersHaveACanonicalText() {
        assertThat(IdentifierFilter.canonical(new BigDecimal("4.0"))).isEqualTo("4");
        assertThat(IdentifierFilter.canonical(new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(IdentifierFilter.canonical(new BigDecimal("12.50"))).isEqualTo("12.5");
        assertThat(IdentifierFilter.canonical(new BigDecimal("-0.0"))).isEqualTo("0");
        assertThat(IdentifierFilter.scalarText("k", 7L)).isEqualTo("7");
        assertThat(IdentifierFilter.scalarText("k", 2.5f)).isEqualTo("2.5");
        assertThat(IdentifierFilter.scalarText("k", true)).isEqualTo("true");
        assertThat(IdentifierFilter.scalarText(TestJson.MAPPER.readTree("1.50")))
                .isEqualTo("1.5");
        assertThat(IdentifierFilter.scalarText(TestJson.MAPPER.readTree("null")))
                .isNull();
    }
}
