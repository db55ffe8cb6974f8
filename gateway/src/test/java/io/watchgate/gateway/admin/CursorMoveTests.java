package io.watchgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.watchgate.core.WatchRequest;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.gateway.web.GatewayException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

class CursorMoveTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final WatchRequest AVISO = WatchRequest.aviso("mars").where("class", "od");
    private static final WatchRequest SSE = WatchRequest.sse().variable("channel", "a");

    private static CursorMove parse(String body, WatchRequest request) {
        return CursorMove.parse(body.getBytes(StandardCharsets.UTF_8), JSON, request);
    }

    @Test
    void anAvisoCursorIsASequenceGivenAloneAsTextOrNumberOrAsANotificationId() {
        assertThat(parse("{\"cursor\":\"42\"}", AVISO)).isEqualTo(new CursorMove("mars@42", OptionalLong.of(42)));
        assertThat(parse("{\"cursor\":42}", AVISO)).isEqualTo(new CursorMove("mars@42", OptionalLong.of(42)));
        assertThat(parse("{\"cursor\":\"mars@7\"}", AVISO)).isEqualTo(new CursorMove("mars@7", OptionalLong.of(7)));
        assertThat(parse("{\"cursor\":\"0\"}", AVISO).checkpoint(3))
                .isEqualTo(new Checkpoint("mars@0", OptionalLong.of(0), 3));
    }

    @Test
    void anSseCursorIsAnyEventIdWithASequenceWhenDecimal() {
        assertThat(parse("{\"cursor\":\"evt-9\"}", SSE)).isEqualTo(new CursorMove("evt-9", OptionalLong.empty()));
        assertThat(parse("{\"cursor\":\"12\"}", SSE)).isEqualTo(new CursorMove("12", OptionalLong.of(12)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "nope",
                "[]",
                "{}",
                "{\"cursor\":null}",
                "{\"cursor\":true}",
                "{\"cursor\":1.5}",
                "{\"cursor\":\"\"}",
                "{\"cursor\":\"a\\nb\"}",
                "{\"cursor\":\"-1\"}",
                "{\"cursor\":\"mars@x\"}",
                "{\"cursor\":\"99999999999999999999\"}"
            })
    void anythingElseIsA400(String body) {
        assertThatThrownBy(() -> parse(body, AVISO)).isInstanceOfSatisfying(GatewayException.class, error -> {
            assertThat(error.status().value()).isEqualTo(400);
            assertThat(error.code()).isEqualTo("INVALID_CURSOR");
        });
    }

    @Test
    void anOverlongSseCursorIsA400() {
        String body = "{\"cursor\":\"" + "x".repeat(CursorMove.MAX_LENGTH + 1) + "\"}";
        assertThatThrownBy(() -> parse(body, SSE)).isInstanceOf(GatewayException.class);
    }
}
