package io.watchgate.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class TokenCacheTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final AtomicInteger fetches = new AtomicInteger();

    /** Each fetch gives "t<n>", usable for 60 s from the clock's current instant. */
    private final TokenCache cache = new TokenCache(
            () -> Mono.fromSupplier(() -> new TokenCache.Token(
                    "t" + fetches.incrementAndGet(), clock.instant().plusSeconds(60))),
            clock,
            "empty");

    @Test
    void keepsTheTokenUntilItExpires() {
        StepVerifier.create(cache.get()).expectNext("t1").expectComplete().verify(TIMEOUT);
        clock.advance(Duration.ofSeconds(59));
        StepVerifier.create(cache.get()).expectNext("t1").expectComplete().verify(TIMEOUT);
        assertThat(fetches).hasValue(1);

        clock.advance(Duration.ofSeconds(1));
        StepVerifier.create(cache.get()).expectNext("t2").expectComplete().verify(TIMEOUT);
        StepVerifier.create(cache.get()).expectNext("t2").expectComplete().verify(TIMEOUT);
        assertThat(fetches).hasValue(2);
    }

    @Test
    void refreshFetchesEvenWhenTheTokenIsStillValid() {
        StepVerifier.create(cache.get()).expectNext("t1").expectComplete().verify(TIMEOUT);
        StepVerifier.create(cache.refresh()).expectComplete().verify(TIMEOUT);
        StepVerifier.create(cache.get()).expectNext("t2").expectComplete().verify(TIMEOUT);
        assertThat(fetches).hasValue(2);
    }

    @Test
    void tokenWithoutExpiryIsKeptUntilRefresh() {
        AtomicInteger calls = new AtomicInteger();
        TokenCache forever = new TokenCache(
                () -> Mono.fromSupplier(() -> new TokenCache.Token("f" + calls.incrementAndGet(), null)),
                clock,
                "empty");

        StepVerifier.create(forever.get()).expectNext("f1").expectComplete().verify(TIMEOUT);
        clock.advance(Duration.ofDays(365));
        StepVerifier.create(forever.get()).expectNext("f1").expectComplete().verify(TIMEOUT);
        StepVerifier.create(forever.refresh().then(forever.get()))
                .expectNext("f2")
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(calls).hasValue(2);
    }

    @Test
    void tokenToStringHidesTheValue() {
        assertThat(new TokenCache.Token("secret-value", null).toString())
                .isEqualTo("Token[value=<redacted>, expiresAt=null]");
    }
}
