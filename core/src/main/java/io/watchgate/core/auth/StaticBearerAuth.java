package io.watchgate.core.auth;

import java.util.Map;
import reactor.core.publisher.Mono;

/** A fixed bearer token. */
final class StaticBearerAuth implements AuthProvider {

    private final Mono<Map<String, String>> headers;

    StaticBearerAuth(String token) {
        if (!AuthHeaders.isUsableToken(token)) {
            throw new IllegalArgumentException(
                    "A bearer token must not be blank and must hold visible ASCII characters only");
        }
        this.headers = Mono.just(AuthHeaders.bearer(token));
    }

    @Override
    public Mono<Map<String, String>> headers() {
        return headers;
    }

    @Override
    public String describe() {
        return "bearer";
    }

    @Override
    public String toString() {
        return describe();
    }
}
