package io.watchgate.core.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A bearer token from a supplier, cached until {@link #refresh()}.
 *
 * <p>A supplier call is bounded by a timeout, because concurrent callers wait for the one in
 * flight: a supplier that never answers must not stall every session for good.
 */
final class SuppliedBearerAuth implements AuthProvider {

    /** The limit on one supplier call. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final TokenCache cache;

    SuppliedBearerAuth(Supplier<Mono<String>> tokenSupplier) {
        this(tokenSupplier, DEFAULT_TIMEOUT, Schedulers.parallel());
    }

    SuppliedBearerAuth(Supplier<Mono<String>> tokenSupplier, Duration timeout, Scheduler timer) {
        Objects.requireNonNull(tokenSupplier, "tokenSupplier");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(timer, "timer");
        Mono<String> timedOut = Mono.error(() -> new AuthException(
                "The bearer token supplier did not produce a token within " + timeout.toMillis() + " ms"));
        this.cache = new TokenCache(
                () -> tokenSupplier.get().timeout(timeout, timedOut, timer).map(SuppliedBearerAuth::toToken),
                Clock.systemUTC(),
                "The bearer token supplier completed without a token");
    }

    private static TokenCache.Token toToken(String token) {
        if (!AuthHeaders.isUsableToken(token)) {
            throw new AuthException("The bearer token supplier returned a blank token or one with characters other"
                    + " than visible ASCII");
        }
        return new TokenCache.Token(token, null);
    }

    @Override
    public Mono<Map<String, String>> headers() {
        return cache.get().map(AuthHeaders::bearer);
    }

    @Override
    public Mono<Void> refresh() {
        return cache.refresh();
    }

    @Override
    public String describe() {
        return "bearer (supplied)";
    }

    @Override
    public String toString() {
        return describe();
    }
}
