package io.watchgate.core.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;

/** HTTP Basic authentication (RFC 7617) with UTF-8 credentials. */
final class BasicAuth implements AuthProvider {

    private final Mono<Map<String, String>> headers;

    BasicAuth(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        if (username.indexOf(':') >= 0) {
            throw new IllegalArgumentException("A Basic user-id must not contain a colon (RFC 7617)");
        }
        this.headers = Mono.just(Map.of(AuthHeaders.AUTHORIZATION, value(username, password)));
    }

    /** {@code Basic base64(user:password)}, UTF-8 encoded. */
    static String value(String user, String password) {
        byte[] credentials = (user + ':' + password).getBytes(StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(credentials);
    }

    @Override
    public Mono<Map<String, String>> headers() {
        return headers;
    }

    @Override
    public String describe() {
        return "basic";
    }

    @Override
    public String toString() {
        return describe();
    }
}
