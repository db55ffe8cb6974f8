package io.watchgate.core.testing;

import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A parsed and validated aviso request body (aviso-protocol.md §1.2, §1.3, §4).
 *
 * @param kind the endpoint
 * @param eventType the {@code event_type}
 * @param filter the {@code identifier}
 * @param fromId the parsed {@code from_id}, or null
 * @param fromDate the parsed {@code from_date}, or null
 * @param payload the {@code payload} as a plain Java tree (maps, lists, strings, numbers, booleans),
 *     or null when omitted or {@code null}
 */
record AvisoRequest(
        Kind kind,
        String eventType,
        IdentifierFilter filter,
        @Nullable Long fromId,
        @Nullable Instant fromDate,
        @Nullable Object payload) {

    /** The three endpoints that take this body, with their error labels. */
    enum Kind {
        NOTIFY("Invalid Notification Request", "INVALID_NOTIFICATION_REQUEST"),
        WATCH("Invalid Watch Request", "INVALID_WATCH_REQUEST"),
        REPLAY("Invalid Replay Request", "INVALID_REPLAY_REQUEST");

        final String label;
        final String validationCode;

        Kind(String label, String validationCode) {
            this.label = label;
            this.validationCode = validationCode;
        }
    }

    /** Whether the request starts with history ({@code from_id} or {@code from_date}). */
    boolean hasStart() {
        return fromId != null || fromDate != null;
    }

    static final Set<String> FIELDS = Set.of("event_type", "identifier", "from_id", "from_date", "payload");

    private static final Pattern FROM_ID = Pattern.compile("\\+?[0-9]+");
    private static final Pattern EPOCH = Pattern.compile("\\+?[0-9]+");
    private static final Pattern DATE_TIME =
            Pattern.compile("([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.([0-9]{1,9}))?"
                    + "(Z|z|[+-][0-9]{2}:[0-9]{2})?");
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /**
     * Parses and validates a body in aviso's order: parse errors ({@code INVALID_JSON},
     * {@code UNKNOWN_FIELD}, {@code INVALID_REQUEST_SHAPE}), then the notify-only rules, then the
     * {@code from_*} rules, the replay start rule and the identifier constraints.
     *
     * @throws Invalid with the 400 body's code, label, message and details
     */
    static AvisoRequest parse(byte[] body, Kind kind) {
        JsonNode root;
        try {
            root = TestJson.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new Invalid(kind, "INVALID_JSON", "Invalid JSON in request body", e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new Invalid(kind, "INVALID_JSON", "Invalid JSON in request body", "EOF while parsing a value");
        }
        if (!root.isObject()) {
            throw shape(kind, "invalid type: " + root.getNodeType().name().toLowerCase() + ", expected an object");
        }
        for (String name : root.propertyNames()) {
            if (!FIELDS.contains(name)) {
                throw new Invalid(
                        kind,
                        "UNKNOWN_FIELD",
                        "Unknown field in request body",
                        "unknown field `" + name
                                + "`, expected one of `event_type`, `identifier`, `from_id`, `from_date`, `payload`");
            }
        }
        JsonNode eventTypeNode = root.get("event_type");
        if (eventTypeNode == null) {
            throw shape(kind, "missing field `event_type`");
        }
        if (!eventTypeNode.isString()) {
            throw shape(kind, "invalid type for `event_type`: expected a string");
        }
        JsonNode identifierNode = root.get("identifier");
        if (identifierNode == null) {
            throw shape(kind, "missing field `identifier`");
        }
        if (!identifierNode.isObject()) {
            throw shape(kind, "invalid type for `identifier`: expected an object");
        }
        Map<String, JsonNode> constraints = new LinkedHashMap<>();
        Map<String, IdentifierFilter.Condition> conditions = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : identifierNode.properties()) {
            JsonNode value = entry.getValue();
            if (value.isObject()) {
                constraints.put(entry.getKey(), value);
                continue;
            }
            String text = IdentifierFilter.scalarText(value);
            if (text == null) {
                throw shape(
                        kind,
                        "invalid type for `identifier." + entry.getKey()
                                + "`: expected a string, a number, a boolean or a constraint object");
            }
            conditions.put(entry.getKey(), new IdentifierFilter.Equals(text));
        }
        String rawFromId = optionalString(kind, root, "from_id");
        String rawFromDate = optionalString(kind, root, "from_date");
        JsonNode payloadNode = root.get("payload");
        Object payload = payloadNode == null || payloadNode.isNull()
                ? null
                : TestJson.MAPPER.treeToValue(payloadNode, Object.class);

        String eventType = eventTypeNode.stringValue();
        if (eventType.isBlank()) {
            throw invalid(kind, "event_type must not be empty");
        }
        if (kind == Kind.NOTIFY) {
            if (identifierNode.has("point")) {
                throw invalid(kind, "identifier.point is not allowed for notifications");
            }
            if (!constraints.isEmpty()) {
                throw invalid(
                        kind,
                        "identifier." + constraints.keySet().iterator().next()
                                + ": constraint objects are only allowed on watch and replay");
            }
            return new AvisoRequest(kind, eventType, new IdentifierFilter(conditions), null, null, payload);
        }
        if (identifierNode.has("polygon") && identifierNode.has("point")) {
            throw invalid(kind, "identifier cannot contain both polygon and point");
        }
        Long fromId = rawFromId == null ? null : parseFromId(kind, rawFromId);
        Instant fromDate = rawFromDate == null ? null : parseFromDate(kind, rawFromDate);
        if (fromId != null && fromDate != null) {
            throw invalid(kind, "Cannot specify both from_id and from_date; use one of them");
        }
        if (kind == Kind.REPLAY && fromId == null && fromDate == null) {
            throw invalid(kind, "Replay requires either from_id or from_date");
        }
        for (Map.Entry<String, JsonNode> entry : constraints.entrySet()) {
            try {
                conditions.put(entry.getKey(), IdentifierFilter.constraint(entry.getKey(), entry.getValue()));
            } catch (IllegalArgumentException e) {
                throw invalid(kind, e.getMessage());
            }
        }
        return new AvisoRequest(kind, eventType, new IdentifierFilter(conditions), fromId, fromDate, payload);
    }

    private static @Nullable String optionalString(Kind kind, JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw shape(
                    kind,
                    "invalid type for `" + field + "`: "
                            + node.getNodeType().name().toLowerCase() + ", expected a string or null");
        }
        return node.stringValue();
    }

    /** {@code from_id}: a decimal u64, a leading {@code +} allowed, {@code 0} meaning everything. */
    static long parseFromId(Kind kind, String raw) {
        if (raw.isBlank()) {
            throw invalid(kind, "from_id must not be empty");
        }
        if (!FROM_ID.matcher(raw).matches()) {
            throw invalid(kind, "from_id must be a valid positive integer, got '" + raw + "'");
        }
        BigInteger value = new BigInteger(raw.startsWith("+") ? raw.substring(1) : raw);
        if (value.compareTo(U64_MAX) > 0) {
            throw invalid(kind, "from_id must be a valid positive integer, got '" + raw + "'");
        }
        return value.min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
    }

    /**
     * {@code from_date}: RFC 3339 (offset or {@code Z}), {@code YYYY-MM-DD HH:MM:SS[.f][±HH:MM]}, a
     * naive {@code T}- or space-separated date-time read as UTC, or an all-digit unix epoch (11
     * significant digits or fewer: seconds; 12 or more: milliseconds).
     */
    static Instant parseFromDate(Kind kind, String raw) {
        if (raw.isBlank()) {
            throw invalid(kind, "from_date must not be empty");
        }
        if (EPOCH.matcher(raw).matches()) {
            String digits = raw.replaceFirst("^\\+?0*", "");
            if (digits.isEmpty()) {
                return Instant.EPOCH;
            }
            if (digits.length() > 18) {
                throw invalid(kind, "from_date epoch is out of range: '" + raw + "'");
            }
            long value = Long.parseLong(digits);
            return digits.length() <= 11 ? Instant.ofEpochSecond(value) : Instant.ofEpochMilli(value);
        }
        Matcher m = DATE_TIME.matcher(raw);
        if (!m.matches()) {
            throw invalid(
                    kind,
                    "from_date must be RFC 3339, 'YYYY-MM-DD HH:MM:SS' or a unix epoch in seconds or milliseconds, got '"
                            + raw + "'");
        }
        try {
            String fraction = m.group(7) == null ? "" : m.group(7);
            int nanos = fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "000000000").substring(0, 9));
            LocalDateTime local = LocalDateTime.of(
                    Integer.parseInt(m.group(1)),
                    Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5)),
                    Integer.parseInt(m.group(6)),
                    nanos);
            String zone = m.group(8);
            ZoneOffset offset = zone == null || zone.equalsIgnoreCase("Z") ? ZoneOffset.UTC : ZoneOffset.of(zone);
            return local.toInstant(offset);
        } catch (DateTimeException e) {
            throw invalid(kind, "from_date is not a valid date-time: '" + raw + "'");
        }
    }

    private static Invalid shape(Kind kind, String details) {
        return new Invalid(kind, "INVALID_REQUEST_SHAPE", "Invalid request shape", details);
    }

    private static Invalid invalid(Kind kind, String details) {
        return new Invalid(kind, kind.validationCode, details, details);
    }

    /** A 400 answer: {@code {"code","error","message","details","request_id"}} (§1.5). */
    static final class Invalid extends RuntimeException {

        private static final long serialVersionUID = 1L;

        final String code;
        final String label;
        final String details;

        Invalid(Kind kind, String code, String message, String details) {
            super(message);
            this.code = code;
            this.label = kind.label;
            this.details = details;
        }

        /** The JSON body for this error. */
        Map<String, Object> body(String requestId) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("code", code);
            body.put("error", label);
            body.put("message", getMessage());
            body.put("details", details);
            body.put("request_id", requestId);
            return body;
        }
    }
}
