package io.watchgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTests {

    /** Sunday 6 July 2025, 12:00:00 UTC. */
    private static final Clock NOW = Clock.fixed(Instant.parse("2025-07-06T12:00:00Z"), ZoneOffset.UTC);

    @ParameterizedTest(name = "\"{0}\" -> {1} s")
    @CsvSource(
            delimiter = '|',
            value = {"0 | 0", "1 | 1", "120 | 120", "'  30 ' | 30", "007 | 7", "86400 | 86400"})
    void delaySeconds(String header, long seconds) {
        assertThat(UpstreamConnector.retryAfter(header, NOW)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @Test
    void anHttpDateInTheFutureIsTheTimeUntilThen() {
        assertThat(UpstreamConnector.retryAfter("Sun, 06 Jul 2025 12:01:30 GMT", NOW))
                .isEqualTo(Duration.ofSeconds(90));
        assertThat(UpstreamConnector.retryAfter("Mon, 07 Jul 2025 12:00:00 GMT", NOW))
                .isEqualTo(Duration.ofDays(1));
    }

    @Test
    void anHttpDateIsMeasuredFromTheClockNotToWholeSeconds() {
        Clock halfPast = Clock.fixed(Instant.parse("2025-07-06T12:00:00.500Z"), ZoneOffset.UTC);

        assertThat(UpstreamConnector.retryAfter("Sun, 06 Jul 2025 12:00:10 GMT", halfPast))
                .isEqualTo(Duration.ofMillis(9500));
    }

    @Test
    void anHttpDateWithANumericOffsetIsConverted() {
        assertThat(UpstreamConnector.retryAfter("Sun, 06 Jul 2025 14:00:30 +0200", NOW))
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void anHttpDateInThePastOrNowMeansNoWait() {
        assertThat(UpstreamConnector.retryAfter("Sun, 06 Jul 2025 11:59:59 GMT", NOW))
                .isEqualTo(Duration.ZERO);
        assertThat(UpstreamConnector.retryAfter("Sun, 06 Nov 1994 08:49:37 GMT", NOW))
                .isEqualTo(Duration.ZERO);
        assertThat(UpstreamConnector.retryAfter("Sun, 06 Jul 2025 12:00:00 GMT", NOW))
                .isEqualTo(Duration.ZERO);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                " ",
                "\t",
                "soon",
                "-5",
                "+5",
                "1.5",
                "5s",
                "1e3",
                "99999999999999999999",
                "\u0663\u0660",
                "2025-07-06T12:01:30Z",
                "Mon, 06 Jul 2025 12:01:30 GMT",
                "Sun, 06 Jul 2025 25:01:30 GMT"
            })
    void anythingElseIsNull(String header) {
        assertThat(UpstreamConnector.retryAfter(header, NOW)).isNull();
    }
}
