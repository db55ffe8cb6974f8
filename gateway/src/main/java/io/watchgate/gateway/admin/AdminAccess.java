package io.watchgate.gateway.admin;

import io.watchgate.gateway.web.GatewayException;
import io.watchgate.gateway.web.RequestIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Guards the admin API: a request needs {@code Authorization: Bearer <watchgate.admin.token>}
 * (compared in constant time), else 401; with no token configured, the whole API answers 404 as if
 * it did not exist. The token is never logged.
 */
final class AdminAccess implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    private static final Logger log = LoggerFactory.getLogger(AdminAccess.class);
    private static final String BEARER = "Bearer ";

    private final byte @Nullable [] tokenDigest;

    /** @param token the admin token, stripped by the configuration; empty: the API is off */
    AdminAccess(String token) {
        this.tokenDigest = token.isEmpty() ? null : digest(token);
    }

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        if (tokenDigest == null) {
            return Mono.error(GatewayException.notFound("NOT_FOUND", "No route for " + request.path()));
        }
        if (!allows(request.headers().firstHeader(HttpHeaders.AUTHORIZATION))) {
            log.atWarn()
                    .addKeyValue("request_id", RequestIds.of(request.exchange()))
                    .log(
                            "event=admin.unauthorized method={} path={} remote={}",
                            request.method(),
                            request.path(),
                            request.remoteAddress().map(Object::toString).orElse("unknown"));
            request.exchange()
                    .getResponse()
                    .getHeaders()
                    .set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"watchgate-admin\"");
            return Mono.error(new GatewayException(
                    HttpStatus.UNAUTHORIZED,
                    "UNAUTHORIZED",
                    "the admin API needs the header Authorization: Bearer <watchgate.admin.token>"));
        }
        return next.handle(request);
    }

    /** Whether the header carries the token; digests of equal length compared in constant time. */
    boolean allows(@Nullable String authorization) {
        if (tokenDigest == null
                || authorization == null
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(
                tokenDigest, digest(authorization.substring(BEARER.length()).strip()));
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
