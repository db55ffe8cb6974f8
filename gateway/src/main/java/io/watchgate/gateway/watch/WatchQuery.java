package io.watchgate.gateway.watch;

import io.watchgate.core.IdentifierFilter;
import io.watchgate.core.Start;
import io.watchgate.gateway.aviso.AvisoDates;
import io.watchgate.gateway.hub.StartPoint;
import io.watchgate.gateway.web.GatewayException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.util.MultiValueMap;

/**
 * The query of a {@code GET /watch/{upstream}}: identifier filters (or URL template variables) and
 * where the stream starts.
 *
 * @param eventType {@code event_type}, or {@code null}
 * @param parameters every other parameter: filters for aviso and the local origin, template
 *     variables for SSE upstreams
 * @param start the start point
 * @param requested the start as the client gave it
 * @param bootstrap where a new upstream session starts when nothing was journaled for it
 */
public record WatchQuery(
        @Nullable String eventType,
        Map<String, String> parameters,
        StartPoint start,
        String requested,
        @Nullable Start bootstrap) {

    private static final Set<String> RESERVED = Set.of("event_type", "from_id", "from_date", "last_event_id");
    private static final Pattern FILTER = Pattern.compile("([^\\[\\]]+)(?:\\[([a-z]+)\\])?");
    private static final Pattern DIGITS = Pattern.compile("\\+?[0-9]{1,18}");

    /**
     * Parses a query.
     *
     * @param query the query parameters
     * @param lastEventId the {@code Last-Event-ID} header, or {@code null}
     * @throws GatewayException 400 when a parameter is repeated or malformed, or both {@code
     *     from_id} and {@code from_date} are given
     */
    public static WatchQuery parse(MultiValueMap<String, String> query, @Nullable String lastEventId) {
        Map<String, String> single = new TreeMap<>();
        query.forEach((name, values) -> {
            if (values.size() > 1) {
                throw GatewayException.badRequest(
                        "INVALID_REQUEST", "parameter '" + name + "' is given more than once");
            }
            single.put(name, values.isEmpty() || values.get(0) == null ? "" : values.get(0));
        });
        String eventType = single.get("event_type");
        String cursor =
                lastEventId != null && !lastEventId.isBlank() ? lastEventId.strip() : single.get("last_event_id");
        String fromId = single.get("from_id");
        String fromDate = single.get("from_date");
        Map<String, String> rest = new TreeMap<>(single);
        rest.keySet().removeAll(RESERVED);
        if (cursor != null) {
            if (!cursor.matches("[0-9]{1,18}")) {
                throw GatewayException.badRequest(
                        "INVALID_CURSOR", "Last-Event-ID / last_event_id must be a gateway cursor (digits): " + cursor);
            }
            return new WatchQuery(eventType, rest, new StartPoint.AfterOffset(Long.parseLong(cursor)), cursor, null);
        }
        if (fromId != null && fromDate != null) {
            throw GatewayException.badRequest("INVALID_REQUEST", "from_id and from_date are mutually exclusive");
        }
        if (fromId != null) {
            if (!DIGITS.matcher(fromId.strip()).matches()) {
                throw GatewayException.badRequest(
                        "INVALID_REQUEST", "from_id must be a valid positive integer: " + fromId);
            }
            long sequence = Long.parseLong(fromId.strip().replace("+", ""));
            return new WatchQuery(
                    eventType, rest, new StartPoint.FromSequence(sequence), fromId, Start.fromSequence(sequence));
        }
        if (fromDate != null) {
            Instant time = AvisoDates.parse(fromDate)
                    .orElseThrow(() -> GatewayException.badRequest(
                            "INVALID_REQUEST", "from_date is not a date-time aviso accepts: " + fromDate));
            return new WatchQuery(eventType, rest, new StartPoint.FromTime(time), fromDate, Start.fromDate(time));
        }
        return new WatchQuery(eventType, rest, new StartPoint.Live(), "", null);
    }

    /** The event type, required for aviso upstreams and the local origin. */
    public String requireEventType() {
        if (eventType == null || eventType.isBlank()) {
            throw GatewayException.badRequest("INVALID_REQUEST", "event_type is required");
        }
        return eventType;
    }

    /** The parameters as aviso identifier filters: {@code class=od}, {@code step[gte]=4}, {@code a[in]=x,y}. */
    public Map<String, IdentifierFilter> filters() {
        Map<String, IdentifierFilter> filters = new TreeMap<>();
        parameters.forEach((name, value) -> {
            Matcher matcher = FILTER.matcher(name);
            if (!matcher.matches()) {
                throw GatewayException.badRequest("INVALID_FILTER", "not a filter parameter: " + name);
            }
            String field = matcher.group(1);
            String operator = matcher.group(2);
            if (filters.containsKey(field)) {
                throw GatewayException.badRequest("INVALID_FILTER", "field '" + field + "' is filtered more than once");
            }
            filters.put(field, filter(field, operator, value));
        });
        return filters;
    }

    private static IdentifierFilter filter(String field, @Nullable String operator, String value) {
        if (operator == null) {
            return IdentifierFilter.exact(value);
        }
        IdentifierFilter.Operator parsed;
        try {
            parsed = IdentifierFilter.Operator.fromWireName(operator);
        } catch (IllegalArgumentException e) {
            throw GatewayException.badRequest(
                    "INVALID_FILTER",
                    "unknown operator '" + operator + "' on field '" + field + "' (eq in gt gte lt lte between)");
        }
        List<String> operands = parsed == IdentifierFilter.Operator.IN || parsed == IdentifierFilter.Operator.BETWEEN
                ? Arrays.stream(value.split(",", -1)).map(String::strip).toList()
                : List.of(value.strip());
        if (operands.stream().anyMatch(String::isEmpty)) {
            throw GatewayException.badRequest("INVALID_FILTER", "empty value in filter on field '" + field + "'");
        }
        try {
            return IdentifierFilter.constraint(parsed, operands.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw GatewayException.badRequest("INVALID_FILTER", "field '" + field + "': " + e.getMessage());
        }
    }
}
