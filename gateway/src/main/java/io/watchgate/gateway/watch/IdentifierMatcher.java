package io.watchgate.gateway.watch;

import io.watchgate.core.IdentifierFilter;
import io.watchgate.core.Notification;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * aviso's identifier filters applied to notifications of the local origin: equality compares
 * strings (or numbers, when both sides are numeric), the ordering operators compare numbers, and a
 * missing field never matches.
 *
 * <p>Subscribers with the same filters share one matcher ({@link #of}): the hub asks each distinct
 * matcher once per notification, however many subscribers use it.
 */
final class IdentifierMatcher implements Predicate<Notification> {

    /** The most matchers kept for sharing; beyond it, the cache starts over. */
    static final int SHARED_MAX = 4096;

    private static final Map<Map<String, IdentifierFilter>, IdentifierMatcher> SHARED = new ConcurrentHashMap<>();

    private final Map<String, IdentifierFilter> filters;

    IdentifierMatcher(Map<String, IdentifierFilter> filters) {
        this.filters = Map.copyOf(filters);
    }

    /** The matcher of these filters, shared with the other subscribers that use the same. */
    static IdentifierMatcher of(Map<String, IdentifierFilter> filters) {
        IdentifierMatcher matcher = SHARED.get(filters);
        if (matcher != null) {
            return matcher;
        }
        if (SHARED.size() >= SHARED_MAX) {
            SHARED.clear();
        }
        return SHARED.computeIfAbsent(Map.copyOf(filters), IdentifierMatcher::new);
    }

    @Override
    public boolean test(Notification notification) {
        for (Map.Entry<String, IdentifierFilter> filter : filters.entrySet()) {
            if (!matches(filter.getValue(), notification.identifier().get(filter.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(IdentifierFilter filter, @Nullable String value) {
        if (value == null) {
            return false;
        }
        return switch (filter) {
            case IdentifierFilter.Exact exact -> same(exact.value(), value);
            case IdentifierFilter.Constraint constraint -> {
                var operands = constraint.values();
                yield switch (constraint.operator()) {
                    case EQ -> same(operands.get(0), value);
                    case IN -> operands.stream().anyMatch(operand -> same(operand, value));
                    case GT -> ordered(value, operands.get(0), c -> c > 0);
                    case GTE -> ordered(value, operands.get(0), c -> c >= 0);
                    case LT -> ordered(value, operands.get(0), c -> c < 0);
                    case LTE -> ordered(value, operands.get(0), c -> c <= 0);
                    case BETWEEN ->
                        ordered(value, operands.get(0), c -> c >= 0) && ordered(value, operands.get(1), c -> c <= 0);
                };
            }
        };
    }

    private static boolean same(String wanted, String value) {
        if (wanted.equals(value)) {
            return true;
        }
        BigDecimal a = number(wanted);
        BigDecimal b = number(value);
        return a != null && b != null && a.compareTo(b) == 0;
    }

    /** Compares numerically; a non-numeric side never satisfies an ordering. */
    private static boolean ordered(String value, String operand, IntPredicate comparison) {
        BigDecimal a = number(value);
        BigDecimal b = number(operand);
        return a != null && b != null && comparison.test(a.compareTo(b));
    }

    private static @Nullable BigDecimal number(String text) {
        String candidate = text.strip();
        if (!startsLikeANumber(candidate)) {
            return null; // most values are not numbers: no exception (and its stack trace) for them
        }
        try {
            return new BigDecimal(candidate);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean startsLikeANumber(String text) {
        if (text.isEmpty()) {
            return false;
        }
        char first = text.charAt(0);
        boolean digit = first >= '0' && first <= '9';
        return digit || (text.length() > 1 && (first == '-' || first == '+' || first == '.'));
    }
}
