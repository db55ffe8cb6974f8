package io.watchgate.core.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Caches one token and fetches it at most once at a time ("single flight").
 *
 * <p>{@link #get()} returns the cached token while it is usable; otherwise it starts a fetch, or
 * joins the one in flight. {@link #refresh()} starts a fetch even if the cached token is still
 * usable, or joins the one in flight (which started after the cached token was obtained, so it
 * yields a newer token). A fetch, once started, runs to its end even if every caller cancels, so
 * that its token is not wasted; the fetcher must therefore bound its own duration. A failed fetch
 * empties the cache: the next {@link #get()} fetches again.
 */
final class TokenCache {

    /**
     * A token and the instant from which it must no longer be used.
     *
     * @param value the token
     * @param expiresAt when to replace it, or {@code null} to keep it until a {@link #refresh()}
     */
    record Token(String value, @Nullable Instant expiresAt) {

        Token {
            Objects.requireNonNull(value, "value");
        }

        boolean usableAt(Instant now) {
            return expiresAt == null || now.isBefore(expiresAt);
        }

        @Override
        public String toString() {
            return "Token[value=<redacted>, expiresAt=" + expiresAt + "]";
        }
    }

    private sealed interface State permits Empty, Cached, Fetching {}

    private enum Empty implements State {
        INSTANCE
    }

    private record Cached(Token token) implements State {}

    private record Fetching(Sinks.One<String> result) implements State {}

    private final Supplier<Mono<Token>> fetcher;
    private final Clock clock;
    private final String emptyFetchMessage;
    private final AtomicReference<State> state = new AtomicReference<>(Empty.INSTANCE);

    /**
     * @param fetcher obtains a new token on each subscription
     * @param clock decides whether a cached token has expired
     * @param emptyFetchMessage the {@link AuthException} message when the fetcher completes empty
     */
    TokenCache(Supplier<Mono<Token>> fetcher, Clock clock, String emptyFetchMessage) {
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.emptyFetchMessage = emptyFetchMessage;
    }

    /** The cached token if it is usable, else the token of a new or in-flight fetch. */
    Mono<String> get() {
        return Mono.defer(() -> {
            while (true) {
                State current = state.get();
                if (current instanceof Cached cached && cached.token().usableAt(clock.instant())) {
                    return Mono.just(cached.token().value());
                }
                if (current instanceof Fetching fetching) {
                    return fetching.result().asMono();
                }
                Mono<String> started = startFetch(current);
                if (started != null) {
                    return started;
                }
            }
        });
    }

    /** Completes when a token fetched after this call (or joined in flight) is cached. */
    Mono<Void> refresh() {
        return Mono.defer(() -> {
            while (true) {
                State current = state.get();
                if (current instanceof Fetching fetching) {
                    return fetching.result().asMono().then();
                }
                Mono<String> started = startFetch(current);
                if (started != null) {
                    return started.then();
                }
            }
        });
    }

    /** Starts a fetch if the state is still {@code expected}; {@code null} if another caller won. */
    private @Nullable Mono<String> startFetch(State expected) {
        Fetching fetching = new Fetching(Sinks.one());
        if (!state.compareAndSet(expected, fetching)) {
            return null;
        }
        Mono.defer(fetcher)
                .switchIfEmpty(Mono.error(() -> new AuthException(emptyFetchMessage)))
                .subscribe(
                        token -> {
                            // Cache first, so that callers woken by the result find the token cached.
                            state.compareAndSet(fetching, new Cached(token));
                            fetching.result().tryEmitValue(token.value());
                        },
                        error -> {
                            state.compareAndSet(fetching, Empty.INSTANCE);
                            fetching.result().tryEmitError(error);
                        });
        return fetching.result().asMono();
    }
}
