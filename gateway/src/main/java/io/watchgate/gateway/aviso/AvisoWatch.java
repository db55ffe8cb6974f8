package io.watchgate.gateway.aviso;

import io.watchgate.core.IdentifierFilter;
import io.watchgate.core.Start;
import io.watchgate.gateway.hub.StartPoint;
import io.watchgate.gateway.watch.WatchQuery;
import io.watchgate.gateway.web.GatewayException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * A validated aviso watch or replay request (aviso-protocol.md §1.2, §5): what to watch, where the
 * stream starts and which of aviso's stream shapes (§2.4) answers it.
 *
 * @param shape the stream shape
 * @param upstream the gateway upstream named in the body, or {@code null} for the default
 * @param eventType the event type
 * @param filters the identifier filters, by field
 * @param topic aviso's watch pattern for display in control frames
 * @param start where the subscriber's stream starts in the journal
 * @param requested the start as the client gave it
 * @param bootstrap where a new upstream session starts when nothing was journaled for it yet
 * @param fromSequence {@code from_id} as a number, or {@code null}
 * @param fromDate {@code from_date} as an instant, or {@code null}
 */
public record AvisoWatch(
        Shape shape,
        @Nullable String upstream,
        String eventType,
        Map<String, IdentifierFilter> filters,
        String topic,
        StartPoint start,
        String requested,
        @Nullable Start bootstrap,
        @Nullable Long fromSequence,
        @Nullable Instant fromDate) {

    /** aviso's stream shapes (aviso-protocol.md §2.4). */
    public enum Shape {
        /** A: watch without a start: {@code connection_established}, then live. */
        LIVE,
        /** B: watch with {@code from_id} or {@code from_date}: replay, then live. */
        REPLAY_THEN_LIVE,
        /** C: replay: history only, then {@code end_of_stream}. */
        REPLAY
    }

    /** Checks the parts. */
    public AvisoWatch {
        filters = Map.copyOf(filters);
    }

    /**
     * Validates a body for {@code /api/v1/watch} or {@code /api/v1/replay}.
     *
     * @param replay whether it is {@code /api/v1/replay}
     * @throws GatewayException 400 {@code INVALID_WATCH_REQUEST} / {@code INVALID_REPLAY_REQUEST}
     */
    public static AvisoWatch of(AvisoBody body, boolean replay) {
        String code = replay ? "INVALID_REPLAY_REQUEST" : "INVALID_WATCH_REQUEST";
        if (replay && body.fromId() == null && body.fromDate() == null) {
            throw GatewayException.badRequest(code, "replay requires from_id or from_date");
        }
        WatchQuery start = start(body, code);
        Shape shape = replay ? Shape.REPLAY : start.bootstrap() == null ? Shape.LIVE : Shape.REPLAY_THEN_LIVE;
        return new AvisoWatch(
                shape,
                body.upstream(),
                body.eventType(),
                filters(body.identifier(), code),
                topic(body.eventType(), body.identifier()),
                start.start(),
                start.requested(),
                start.bootstrap(),
                start.start() instanceof StartPoint.FromSequence from ? from.sequence() : null,
                start.start() instanceof StartPoint.FromTime from ? from.time() : null);
    }

    /** The start, by {@code GET /watch}'s rules (aviso's: inclusive, not both, digits or a date). */
    private static WatchQuery start(AvisoBody body, String code) {
        MultiValueMap<String, String> parameters = new LinkedMultiValueMap<>();
        if (body.fromId() != null) {
            parameters.add("from_id", body.fromId());
        }
        if (body.fromDate() != null) {
            parameters.add("from_date", body.fromDate());
        }
        try {
            return WatchQuery.parse(parameters, null);
        } catch (GatewayException e) {
            throw GatewayException.badRequest(code, e.getMessage());
        }
    }

    /** Scalars become exact filters, constraint objects aviso's constraints. */
    private static Map<String, IdentifierFilter> filters(Map<String, JsonNode> identifier, String code) {
        Map<String, IdentifierFilter> filters = new TreeMap<>();
        identifier.forEach((field, value) -> filters.put(
                field, value.isObject() ? constraint(field, value, code) : IdentifierFilter.exact(scalar(value))));
        return filters;
    }

    private static IdentifierFilter constraint(String field, JsonNode object, String code) {
        if (object.size() != 1) {
            throw GatewayException.badRequest(
                    code,
                    "identifier." + field + " must have exactly one operator of eq, in, gt, gte, lt, lte, between");
        }
        Map.Entry<String, JsonNode> entry = object.properties().iterator().next();
        IdentifierFilter.Operator operator;
        try {
            operator = IdentifierFilter.Operator.fromWireName(entry.getKey());
        } catch (IllegalArgumentException e) {
            throw GatewayException.badRequest(code, "identifier." + field + ": " + e.getMessage());
        }
        JsonNode operand = entry.getValue();
        String where = "identifier." + field + "." + operator.wireName();
        List<String> operands = new ArrayList<>();
        switch (operator) {
            case EQ -> operands.add(operand(where, operand, false, code));
            case IN -> {
                if (!operand.isArray() || operand.isEmpty()) {
                    throw GatewayException.badRequest(code, where + " must be a non-empty list");
                }
                operand.values().forEach(value -> operands.add(operand(where, value, false, code)));
            }
            case BETWEEN -> {
                if (!operand.isArray() || operand.size() != 2) {
                    throw GatewayException.badRequest(code, where + " must be a list [min, max]");
                }
                operand.values().forEach(value -> operands.add(operand(where, value, true, code)));
                if (new BigDecimal(operands.get(0)).compareTo(new BigDecimal(operands.get(1))) > 0) {
                    throw GatewayException.badRequest(code, where + " must have min <= max");
                }
            }
            case GT, GTE, LT, LTE -> operands.add(operand(where, operand, true, code));
        }
        return IdentifierFilter.constraint(operator, operands.toArray(String[]::new));
    }

    private static String operand(String where, JsonNode value, boolean number, String code) {
        if (value.isNumber() || (!number && value.isString())) {
            return scalar(value);
        }
        throw GatewayException.badRequest(
                code, where + (number ? " must be a number" : " must be a number or a string"));
    }

    /** A scalar as aviso stores it: strings unchanged, numbers canonical ({@code 4.0} is "4"). */
    private static String scalar(JsonNode value) {
        if (value.isNumber()) {
            BigDecimal number = new BigDecimal(value.asString()).stripTrailingZeros();
            return number.scale() <= 0 ? number.toBigInteger().toString() : number.toPlainString();
        }
        return value.asString();
    }

    /**
     * aviso's watch pattern in generic mode, decoded for display: the event type, then each
     * identifier value in key order, {@code *} for a constraint ({@code mars.od.*}).
     */
    private static String topic(String eventType, Map<String, JsonNode> identifier) {
        StringJoiner topic = new StringJoiner(".");
        topic.add(eventType);
        new TreeMap<>(identifier).forEach((field, value) -> topic.add(value.isObject() ? "*" : scalar(value)));
        return topic.toString();
    }
}
