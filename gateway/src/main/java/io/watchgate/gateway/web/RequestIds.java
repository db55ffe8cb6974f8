package io.watchgate.gateway.web;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives every request a fresh id (a UUID, as aviso does; an incoming {@code X-Request-ID} is not
 * reused), sets it on the response before anything is written, and keeps it for error bodies and
 * streams.
 */
public final class RequestIds implements WebFilter, Ordered {

    /** The header carrying the request id. */
    public static final String HEADER = "X-Request-ID";

    private static final String ATTRIBUTE = RequestIds.class.getName() + ".id";

    /** The request id of an exchange (one is made if the filter did not run). */
    public static String of(ServerWebExchange exchange) {
        Object id = exchange.getAttributes().computeIfAbsent(ATTRIBUTE, key -> randomUuid());
        return id.toString();
    }

    /**
     * A version-4 UUID from {@link ThreadLocalRandom}: request ids need to be unique, not secret,
     * and {@code UUID.randomUUID()} may block an event loop on the system's entropy source.
     */
    static String randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
        return new UUID(most, least).toString();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        exchange.getResponse().getHeaders().set(HEADER, of(exchange));
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
