package io.watchgate.core;

import java.util.List;
import java.util.Objects;

/**
 * A condition on one aviso identifier field of a watch.
 *
 * <p>An {@link Exact} value is sent as a plain scalar; a {@link Constraint} as aviso's constraint
 * object (allowed by aviso on integer, float and enum fields only).
 */
public sealed interface IdentifierFilter {

    /** The field must equal this value ({@code "class": "od"}). */
    static IdentifierFilter exact(String value) {
        return new Exact(value);
    }

    /**
     * The field must satisfy an aviso constraint ({@code "step": {"gte": 4}}).
     *
     * @param operator the operator
     * @param values one value for {@code eq gt gte lt lte}, one or more for {@code in}, two ({@code
     *     min, max}, inclusive) for {@code between}
     */
    static IdentifierFilter constraint(Operator operator, String... values) {
        return new Constraint(operator, List.of(values));
    }

    /** The canonical text of this filter, as used in a session key. */
    String canonical();

    /**
     * Equality with a scalar value.
     *
     * @param value the value, compared as a string by aviso
     */
    record Exact(String value) implements IdentifierFilter {
        /** Validates the value. */
        public Exact {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String canonical() {
            return "=" + Canonical.escape(value);
        }
    }

    /**
     * An aviso constraint object.
     *
     * @param operator the operator
     * @param values its operand(s); numeric-looking values are sent as JSON numbers
     */
    record Constraint(Operator operator, List<String> values) implements IdentifierFilter {
        /** Validates the number of operands. */
        public Constraint {
            Objects.requireNonNull(operator, "operator");
            values = List.copyOf(values);
            switch (operator) {
                case IN -> {
                    if (values.isEmpty()) {
                        throw new IllegalArgumentException("'in' needs at least one value");
                    }
                }
                case BETWEEN -> {
                    if (values.size() != 2) {
                        throw new IllegalArgumentException("'between' needs exactly two values (min, max)");
                    }
                }
                default -> {
                    if (values.size() != 1) {
                        throw new IllegalArgumentException("'" + operator.wireName() + "' needs exactly one value");
                    }
                }
            }
        }

        @Override
        public String canonical() {
            List<String> operands =
                    operator == Operator.IN ? values.stream().sorted().toList() : values;
            return "[" + operator.wireName() + "]="
                    + String.join(",", operands.stream().map(Canonical::escape).toList());
        }
    }

    /** The aviso constraint operators. */
    enum Operator {
        /** Equal. */
        EQ,
        /** One of the values. */
        IN,
        /** Greater than. */
        GT,
        /** Greater than or equal. */
        GTE,
        /** Less than. */
        LT,
        /** Less than or equal. */
        LTE,
        /** Between min and max, both inclusive. */
        BETWEEN;

        /** The operator's name on the wire and in query parameters ({@code gte}). */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The operator with this wire name. */
        public static Operator fromWireName(String name) {
            for (Operator operator : values()) {
                if (operator.wireName().equals(name)) {
                    return operator;
                }
            }
            throw new IllegalArgumentException(
                    "unknown operator '" + name + "' (expected eq, in, gt, gte, lt, lte or between)");
        }
    }
}
