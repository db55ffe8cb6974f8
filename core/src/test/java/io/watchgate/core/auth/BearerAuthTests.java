package io.watchgate.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class BearerAuthTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void staticTokenGivesTheBearerHeaderAndRefreshDoesNothing() {
        AuthProvider auth = AuthProvider.bearer("abc.DEF-123_~+/=");

        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Bearer abc.DEF-123_~+/="))
                .verifyComplete();
        StepVerifier.create(auth.refresh()).expectComplete().verify(TIMEOUT);
        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Bearer abc.DEF-123_~+/="))
                .verifyComplete();
        assertThat(auth.describe()).isEqualTo("bearer");
        assertThat(auth.toString()).isEqualTo("bearer");
    }

    @Test
    void staticTokenMustBeUsableInAHeader() {
        assertThatIllegalArgumentException().isThrownBy(() -> AuthProvider.bearer(""));
        assertThatIllegalArgumentException().isThrownBy(() -> AuthProvider.bearer("   "));
        assertThatIllegalArgumentException().isThrownBy(() -> AuthProvider.bearer("abc\r\nX-Injected: 1"));
        assertThatIllegalArgumentException().isThrownBy(() -> AuthProvider.bearer("two words"));
    }

    @Test
    void suppliedTokenIsFetchedOnFirstUseAndCached() {
        AtomicInteger calls = new AtomicInteger();
        AuthProvider auth = AuthProvider.bearer(() -> Mono.fromSupplier(() -> "token-" + calls.incrementAndGet()));

        assertThat(calls).hasValue(0);
        for (int i = 0; i < 5; i++) {
            StepVerifier.create(auth.headers())
                    .expectNext(Map.of("Authorization", "Bearer token-1"))
                    .expectComplete()
                    .verify(TIMEOUT);
        }
        assertThat(calls).hasValue(1);
        assertThat(auth.describe()).isEqualTo("bearer (supplied)");
    }

    @Test
    void supplierIsCalledLazilyOnlyWhenSubscribed() {
        AtomicInteger calls = new AtomicInteger();
        AuthProvider auth = AuthProvider.bearer(() -> {
            calls.incrementAndGet();
            return Mono.just("t");
        });

        Mono<Map<String, String>> headers = auth.headers();
        Mono<Void> refresh = auth.refresh();

        assertThat(calls).hasValue(0);
        StepVerifier.create(headers).expectNextCount(1).expectComplete().verify(TIMEOUT);
        assertThat(calls).hasValue(1);
        StepVerifier.create(refresh).expectComplete().verify(TIMEOUT);
        assertThat(calls).hasValue(2);
    }

    @Test
    void refreshReplacesTheCachedToken() {
        AtomicInteger calls = new AtomicInteger();
        AuthProvider auth = AuthProvider.bearer(() -> Mono.fromSupplier(() -> "token-" + calls.incrementAndGet()));

        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Bearer token-1"))
                .expectComplete()
                .verify(TIMEOUT);
        StepVerifier.create(auth.refresh()).expectComplete().verify(TIMEOUT);
        assertThat(calls).hasValue(2);
        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Bearer token-2"))
                .expectComplete()
                .verify(TIMEOUT);
        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Bearer token-2"))
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(calls).hasValue(2);
    }

    @Test
    void concurrentCallersShareOneInFlightSupplierCall() {
        AtomicInteger calls = new AtomicInteger();
        Sinks.One<String> token = Sinks.one();
        AuthProvider auth = AuthProvider.bearer(() -> {
            calls.incrementAndGet();
            return token.asMono();
        });
        int callers = 50;
        AtomicInteger subscribed = new AtomicInteger();

        Mono<java.util.List<Map<String, String>>> all = Flux.range(0, callers)
                .parallel(callers)
                .runOn(Schedulers.parallel())
                .flatMap(i -> auth.headers().doOnSubscribe(s -> {
                    if (subscribed.incrementAndGet() == callers) {
                        token.tryEmitValue("shared");
                    }
                }))
                .sequential()
                .collectList();

        StepVerifier.create(all)
                .assertNext(list ->
                        assertThat(list).hasSize(callers).containsOnly(Map.of("Authorization", "Bearer shared")))
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(calls).hasValue(1);
    }

    @Test
    void refreshDuringAFetchJoinsIt() {
        AtomicInteger calls = new AtomicInteger();
        Sinks.One<String> token = Sinks.one();
        AuthProvider auth = AuthProvider.bearer(() -> {
            calls.incrementAndGet();
            return token.asMono();
        });

        StepVerifier.create(Mono.zip(auth.headers(), auth.refresh().thenReturn("refreshed")))
                .then(() -> assertThat(calls).hasValue(1))
                .then(() -> token.tryEmitValue("late"))
                .assertNext(pair -> {
                    assertThat(pair.getT1()).isEqualTo(Map.of("Authorization", "Bearer late"));
                    assertThat(pair.getT2()).isEqualTo("refreshed");
                })
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(calls).hasValue(1);
    }

    @Test
    void blankOrEmptyTokenIsAnErrorAndIsNotCached() {
        AtomicInteger calls = new AtomicInteger();
        AuthProvider auth = AuthProvider.bearer(() -> switch (calls.incrementAndGet()) {
            case 1 -> Mono.just("  ");
            case 2 -> Mono.empty();
            case 3 -> Mono.just("");
            default -> Mono.just("good");
        });

        StepVerifier.create(auth.headers())
                .expectErrorSatisfies(error ->
                        assertThat(error).isInstanceOf(AuthException.class).hasMessageContaining("blank"))
                .verify(TIMEOUT);
        StepVerifier.create(auth.headers())
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(AuthException.class)
                        .hasMessage("The bearer token supplier completed without a token"))
                .verify(TIMEOUT);
        StepVerifier.create(auth.refresh()).expectError(AuthException.class).verify(TIMEOUT);
        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Bearer good"))
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(calls).hasValue(4);
    }

    @Test
    void supplierErrorsPropagateAndTheNextCallTriesAgain() {
        AtomicInteger calls = new AtomicInteger();
        IllegalStateException failure = new IllegalStateException("vault unavailable");
        AuthProvider auth = AuthProvider.bearer(() -> {
            if (calls.incrementAndGet() == 1) {
                throw failure;
            }
            return Mono.just("second");
        });

        StepVerifier.create(auth.headers())
                .expectErrorMatches(e -> e == failure)
                .verify(TIMEOUT);
        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Bearer second"))
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(calls).hasValue(2);
    }

    @Test
    void silentSupplierTimesOutAndTheNextCallTriesAgain() {
        VirtualTimeScheduler timer = VirtualTimeScheduler.create();
        AtomicInteger calls = new AtomicInteger();
        AuthProvider auth = new SuppliedBearerAuth(
                () -> calls.incrementAndGet() == 1 ? Mono.never() : Mono.just("second"), Duration.ofSeconds(10), timer);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Throwable> joinedFailure = new AtomicReference<>();

        auth.headers().subscribe(headers -> {}, failure::set);
        auth.headers().subscribe(headers -> {}, joinedFailure::set);
        timer.advanceTimeBy(Duration.ofMillis(9_999));
        assertThat(failure).hasNullValue();
        timer.advanceTimeBy(Duration.ofMillis(1));

        assertThat(failure.get())
                .isInstanceOf(AuthException.class)
                .hasMessage("The bearer token supplier did not produce a token within 10000 ms");
        assertThat(joinedFailure.get()).isSameAs(failure.get());
        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Bearer second"))
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(calls).hasValue(2);
        timer.dispose();
    }
}
