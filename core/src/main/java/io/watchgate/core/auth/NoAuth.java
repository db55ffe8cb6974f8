package io.watchgate.core.auth;

import java.util.Map;
import reactor.core.publisher.Mono;

/** No credentials at all. */
final class NoAuth implements AuthProvider {

    static final NoAuth INSTANCE = new NoAuth();

    private static final Mono<Map<String, String>> NO_HEADERS = Mono.just(Map.of());

    private NoAuth() {}

    @Override
    public Mono<Map<String, String>> headers() {
        return NO_HEADERS;
    }

    @Override
    public String describe() {
        return "none";
    }

    @Override
    public String toString() {
        return describe();
    }
}
