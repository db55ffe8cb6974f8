package io.watchgate.core.testing;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** JSON and time formatting shared by the test servers, matching aviso-server's output. */
final class TestJson {

    /**
     * Writes compact JSON with object keys in alphabetical order (aviso's serde_json is built without
     * {@code preserve_order}); reads strictly (trailing tokens are an error).
     */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private TestJson() {}

    /** Compact JSON with sorted keys. */
    static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** RFC 3339 UTC with {@code Z} and 0, 3, 6 or 9 fractional digits (chrono's {@code AutoSi}). */
    static String rfc3339(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }

    /** RFC 3339 UTC truncated to whole seconds, for example {@code 2026-03-04T10:00:00Z}. */
    static String wholeSeconds(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
