package io.watchgate.core.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AvisoRequestTests {

    static AvisoRequest parse(String body, AvisoRequest.Kind kind) {
        return AvisoRequest.parse(body.getBytes(UTF_8), kind);
    }

    @Test
    void parsesAWatchWithConstraintsAndAStart() {
        AvisoRequest request = parse(
                "{\"event_type\":\"mars\",\"identifier\":{\"class\":\"od\",\"step\":{\"in\":[1,2]}},"
                        + "\"from_id\":\"+0042\",\"payload\":{\"ignored\":[1]}}",
                AvisoRequest.Kind.WATCH);
        assertThat(request.eventType()).isEqualTo("mars");
        assertThat(request.fromId()).isEqualTo(42L);
        assertThat(request.fromDate()).isNull();
        assertThat(request.hasStart()).isTrue();
        assertThat(request.payload()).isEqualTo(Map.of("ignored", java.util.List.of(1)));
        assertThat(request.filter().topic("mars")).isEqualTo("mars.od.*");
        assertThat(request.filter().conditions().get("step")).isInstanceOf(IdentifierFilter.Constraint.class);
    }

    @Test
    void notifyKeepsScalarValuesAsStrings() {
        AvisoRequest request = parse(
                "{\"event_type\":\"diss\",\"identifier\":{\"step\":1,\"ok\":true,\"name\":\"x\"},\"payload\":null}",
                AvisoRequest.Kind.NOTIFY);
        assertThat(request.filter().exactValues())
                .containsExactly(Map.entry("name", "x"), Map.entry("ok", "true"), Map.entry("step", "1"));
        assertThat(request.payload()).isNull();
        assertThat(request.hasStart()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "2026-03-04T10:00:05Z            | 2026-03-04T10:00:05Z",
                "2026-03-04T10:00:05.123456789Z  | 2026-03-04T10:00:05.123456789Z",
                "2026-03-04T12:00:05+02:00       | 2026-03-04T10:00:05Z",
                "2026-03-04 12:00:05.5+02:00     | 2026-03-04T10:00:05.5Z",
                "2026-03-04 10:00:05             | 2026-03-04T10:00:05Z",
                "2026-03-04T10:00:05.25          | 2026-03-04T10:00:05.25Z",
                "1772618405                      | 2026-03-04T10:00:05Z",
                "+01772618405                    | 2026-03-04T10:00:05Z",
                "99999999999                     | 5138-11-16T09:46:39Z",
                "100000000000                    | 1973-03-03T09:46:40Z",
                "1772618405123                   | 2026-03-04T10:00:05.123Z",
                "0                               | 1970-01-01T00:00:00Z",
            })
    void fromDateFormatsFollowAviso(String raw, String expected) {
        assertThat(AvisoRequest.parseFromDate(AvisoRequest.Kind.WATCH, raw)).isEqualTo(Instant.parse(expected));
    }

    @Test
    void errorsCarryCodeLabelAndDetails() {
        assertThatThrownBy(() -> parse("{\"event_type\":\"m\",\"identifier\":{},\"x\":1}", AvisoRequest.Kind.REPLAY))
                .isInstanceOfSatisfying(AvisoRequest.Invalid.class, e -> {
                    assertThat(e.body("rid"))
                            .containsEntry("code", "UNKNOWN_FIELD")
                            .containsEntry("error", "Invalid Replay Request")
                            .containsEntry("message", "Unknown field in request body")
                            .containsEntry(
                                    "details",
                                    "unknown field `x`, expected one of `event_type`, `identifier`, `from_id`,"
                                            + " `from_date`, `payload`")
                            .containsEntry("request_id", "rid");
                });
        assertThatThrownBy(() -> parse("{\"event_type\":\"m\",\"identifier\":{}}", AvisoRequest.Kind.REPLAY))
                .isInstanceOfSatisfying(
                        AvisoRequest.Invalid.class, e -> assertThat(e.code).isEqualTo("INVALID_REPLAY_REQUEST"));
        assertThatThrownBy(() ->
                        parse("{\"event_type\":\"m\",\"identifier\":{\"s\":{\"gt\":1}}}", AvisoRequest.Kind.NOTIFY))
                .isInstanceOfSatisfying(
                        AvisoRequest.Invalid.class, e -> assertThat(e.code).isEqualTo("INVALID_NOTIFICATION_REQUEST"));
    }
}
