package io.watchgate.core.testing;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The identifier part of an aviso watch or replay (aviso-protocol.md §5, without schemas): each key
 * is either an exact value or a constraint object; keys the watch does not mention match anything.
 */
final class IdentifierFilter {

    private final SortedMap<String, Condition> conditions;

    IdentifierFilter(Map<String, Condition> conditions) {
        this.conditions = Collections.unmodifiableSortedMap(new TreeMap<>(conditions));
    }

    /** The conditions by identifier key, sorted by key. */
    SortedMap<String, Condition> conditions() {
        return conditions;
    }

    /** Whether a stored notification's identifier (string values) passes every condition. */
    boolean matches(Map<String, String> stored) {
        for (Map.Entry<String, Condition> entry : conditions.entrySet()) {
            if (!entry.getValue().test(stored.get(entry.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The watch pattern shown in control frames (aviso's generic mode): the event type, then each
     * value in key order, {@code *} for a constraint.
     */
    String topic(String eventType) {
        StringJoiner topic = new StringJoiner(".");
        topic.add(eventType);
        conditions.values().forEach(condition -> topic.add(condition.topicToken()));
        return topic.toString();
    }

    /** The exact values, when every condition is one (a notify identifier). */
    Map<String, String> exactValues() {
        SortedMap<String, String> values = new TreeMap<>();
        conditions.forEach((key, condition) -> {
            if (!(condition instanceof Equals(String value))) {
                throw new IllegalStateException("identifier." + key + " is a constraint");
            }
            values.put(key, value);
        });
        return values;
    }

    /** One identifier key's condition. */
    sealed interface Condition permits Equals, Constraint {

        /** Whether the stored value (null when the notification lacks the key) passes. */
        boolean test(@Nullable String stored);

        /** The token shown in the topic. */
        String topicToken();
    }

    /** A scalar watch value: the stored value must equal it, compared as strings. */
    record Equals(String value) implements Condition {

        @Override
        public boolean test(@Nullable String stored) {
            return value.equals(stored);
        }

        @Override
        public String topicToken() {
            return value;
        }
    }

    /** Constraint operators, with their JSON names. */
    enum Operator {
        EQ,
        IN,
        GT,
        GTE,
        LT,
        LTE,
        BETWEEN;

        String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static @Nullable Operator fromJson(String name) {
            for (Operator operator : values()) {
                if (operator.jsonName().equals(name)) {
                    return operator;
                }
            }
            return null;
        }
    }

    /** One constraint operand: its text and, when it is a number, its value. */
    record Operand(String text, @Nullable BigDecimal number) {}

    /**
     * A constraint object such as {@code {"gte":4}}: checked against the stored value parsed as a
     * number; {@code eq} and {@code in} fall back to a case-insensitive string comparison when either
     * side is not numeric. A missing, empty or {@code *} stored value never matches.
     */
    record Constraint(Operator operator, List<Operand> operands) implements Condition {

        Constraint {
            operands = List.copyOf(operands);
        }

        @Override
        public boolean test(@Nullable String stored) {
            if (stored == null || stored.isEmpty() || stored.equals("*")) {
                return false;
            }
            BigDecimal number = parseNumber(stored);
            return switch (operator) {
                case EQ, IN -> operands.stream().anyMatch(operand -> equal(operand, stored, number));
                case GT -> number != null && number.compareTo(bound(0)) > 0;
                case GTE -> number != null && number.compareTo(bound(0)) >= 0;
                case LT -> number != null && number.compareTo(bound(0)) < 0;
                case LTE -> number != null && number.compareTo(bound(0)) <= 0;
                case BETWEEN -> number != null && number.compareTo(bound(0)) >= 0 && number.compareTo(bound(1)) <= 0;
            };
        }

        private BigDecimal bound(int index) {
            BigDecimal number = operands.get(index).number();
            if (number == null) {
                throw new IllegalStateException("operand " + index + " of " + operator + " is not a number");
            }
            return number;
        }

        private static boolean equal(Operand operand, String stored, @Nullable BigDecimal storedNumber) {
            BigDecimal number = operand.number();
            if (number != null && storedNumber != null) {
                return number.compareTo(storedNumber) == 0;
            }
            return operand.text().equalsIgnoreCase(stored);
        }

        @Override
        public String topicToken() {
            return "*";
        }
    }

    /**
     * Parses a constraint object.
     *
     * @throws IllegalArgumentException with a message for the client when it is not exactly one valid
     *     operator
     */
    static Constraint constraint(String key, JsonNode object) {
        if (object.size() != 1) {
            throw new IllegalArgumentException("identifier." + key
                    + " must have exactly one operator of eq, in, gt, gte, lt, lte, between; got " + object.size());
        }
        Map.Entry<String, JsonNode> entry = object.properties().iterator().next();
        Operator operator = Operator.fromJson(entry.getKey());
        if (operator == null) {
            throw new IllegalArgumentException("identifier." + key + " has unknown operator '" + entry.getKey()
                    + "'; expected one of eq, in, gt, gte, lt, lte, between");
        }
        JsonNode argument = entry.getValue();
        String where = "identifier." + key + "." + operator.jsonName();
        List<Operand> operands = new ArrayList<>();
        switch (operator) {
            case EQ -> operands.add(scalarOperand(where, argument));
            case IN -> {
                if (!argument.isArray() || argument.isEmpty()) {
                    throw new IllegalArgumentException(where + " must be a non-empty list");
                }
                argument.values().forEach(value -> operands.add(scalarOperand(where, value)));
            }
            case GT, GTE, LT, LTE -> operands.add(numberOperand(where, argument));
            case BETWEEN -> {
                if (!argument.isArray() || argument.size() != 2) {
                    throw new IllegalArgumentException(where + " must be a list [min, max]");
                }
                Operand min = numberOperand(where, argument.get(0));
                Operand max = numberOperand(where, argument.get(1));
                if (requireNumber(min).compareTo(requireNumber(max)) > 0) {
                    throw new IllegalArgumentException(where + " must have min <= max");
                }
                operands.add(min);
                operands.add(max);
            }
        }
        return new Constraint(operator, operands);
    }

    private static BigDecimal requireNumber(Operand operand) {
        BigDecimal number = operand.number();
        if (number == null) {
            throw new IllegalStateException("not a number: " + operand.text());
        }
        return number;
    }

    private static Operand scalarOperand(String where, JsonNode value) {
        if (value.isNumber()) {
            return numberOperand(where, value);
        }
        if (value.isString()) {
            String text = value.stringValue();
            return new Operand(text, parseNumber(text));
        }
        throw new IllegalArgumentException(where + " must be a number or a string");
    }

    private static Operand numberOperand(String where, JsonNode value) {
        if (!value.isNumber()) {
            throw new IllegalArgumentException(where + " must be a number");
        }
        BigDecimal number = new BigDecimal(value.asString());
        return new Operand(canonical(number), number);
    }

    /** A scalar JSON value (string, number, boolean) as the string aviso stores, else null. */
    static @Nullable String scalarText(JsonNode value) {
        if (value.isString()) {
            return value.stringValue();
        }
        if (value.isNumber()) {
            return canonical(new BigDecimal(value.asString()));
        }
        if (value.isBoolean()) {
            return Boolean.toString(value.asBoolean());
        }
        return null;
    }

    /**
     * A Java identifier value (string, number, boolean) as a stored string.
     *
     * @throws IllegalArgumentException for any other type, NaN or infinity
     */
    static String scalarText(String key, @Nullable Object value) {
        if (value instanceof CharSequence text) {
            return text.toString();
        }
        if (value instanceof Boolean flag) {
            return flag.toString();
        }
        if (value instanceof Number number) {
            try {
                return canonical(new BigDecimal(number.toString()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("identifier." + key + " is not a finite number: " + number, e);
            }
        }
        throw new IllegalArgumentException(
                "identifier." + key + " must be a string, a number or a boolean, not " + value);
    }

    /** The canonical string of a number: no trailing zeros, no exponent ({@code 4.0} → {@code 4}). */
    static String canonical(BigDecimal number) {
        BigDecimal stripped = number.stripTrailingZeros();
        return stripped.scale() <= 0 ? stripped.toBigInteger().toString() : stripped.toPlainString();
    }

    private static @Nullable BigDecimal parseNumber(String text) {
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
