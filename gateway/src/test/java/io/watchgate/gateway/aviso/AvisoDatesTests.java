package io.watchgate.gateway.aviso;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AvisoDatesTests {

    @ParameterizedTest
    @CsvSource({
        "2025-07-06T12:00:00Z, 2025-07-06T12:00:00Z",
        "2025-07-06T14:00:00+02:00, 2025-07-06T12:00:00Z",
        "2025-07-06 12:00:00.5, 2025-07-06T12:00:00.500Z",
        "2025-07-06T12:00:00, 2025-07-06T12:00:00Z",
        "2025-07-06 14:00:00+02:00, 2025-07-06T12:00:00Z",
        "1751803200, 2025-07-06T12:00:00Z",
        "+1751803200, 2025-07-06T12:00:00Z",
        "1751803200000, 2025-07-06T12:00:00Z",
        "0, 1970-01-01T00:00:00Z",
    })
    void acceptsAvisoFormats(String text, String expected) {
        assertThat(AvisoDates.parse(text)).contains(Instant.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "2025-07-06", "-5", "yesterday", "2025-13-01T00:00:00Z"})
    void refusesWhatAvisoRefuses(String text) {
        assertThat(AvisoDates.parse(text)).isEmpty();
    }
}
