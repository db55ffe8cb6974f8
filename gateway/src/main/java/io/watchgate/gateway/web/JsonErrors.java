package io.watchgate.gateway.web;

import io.watchgate.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders every error as JSON, {@code {"code","error","message","request_id"}}, with its status:
 * the gateway's own errors, Spring's (unknown path 404, wrong method 405, too large 413), an
 * unavailable store (503 with {@code Retry-After}), and anything unexpected (500, logged).
 */
public final class JsonErrors implements WebExceptionHandler, Ordered {

    private static final Logger log = LoggerFactory.getLogger(JsonErrors.class);

    private final JsonMapper json;

    /** Creates the handler. */
    public JsonErrors(JsonMapper json) {
        this.json = json;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (exchange.getResponse().isCommitted()) {
            log.atInfo()
                    .addKeyValue("request_id", RequestIds.of(exchange))
                    .log(
                            "event=http.stream_failed request_id={} path={} error=\"{}\"",
                            RequestIds.of(exchange),
                            exchange.getRequest().getPath(),
                            error.toString());
            return Mono.error(error);
        }
        Rendered rendered = render(error);
        if (rendered.status().is5xxServerError() && !(error instanceof StoreUnavailableException)) {
            log.atWarn()
                    .addKeyValue("request_id", RequestIds.of(exchange))
                    .log(
                            "event=http.error request_id={} path={} error=\"{}\"",
                            RequestIds.of(exchange),
                            exchange.getRequest().getPath(),
                            error.toString(),
                            error);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", rendered.code());
        body.put("error", rendered.label());
        body.put("message", rendered.message());
        body.put("request_id", RequestIds.of(exchange));
        byte[] bytes = json.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        var response = exchange.getResponse();
        response.setStatusCode(rendered.status());
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set(RequestIds.HEADER, RequestIds.of(exchange));
        if (error instanceof StoreUnavailableException) {
            headers.set(HttpHeaders.RETRY_AFTER, "5");
        }
        DataBuffer buffer = response.bufferFactory().wrap(bytes);
        return response.writeWith(Mono.just(buffer));
    }

    private static Rendered render(Throwable error) {
        if (error instanceof GatewayException gateway) {
            return new Rendered(gateway.status(), gateway.code(), gateway.getMessage());
        }
        if (error instanceof StoreUnavailableException) {
            return new Rendered(
                    HttpStatus.SERVICE_UNAVAILABLE, "STORE_UNAVAILABLE", "the store is unavailable; try again");
        }
        if (error instanceof ResponseStatusException status) {
            HttpStatusCode code = status.getStatusCode();
            HttpStatus known = HttpStatus.resolve(code.value());
            String name = known == null ? "HTTP_" + code.value() : known.name();
            String reason = status.getReason();
            return new Rendered(
                    code, name, reason == null ? name.toLowerCase(Locale.ROOT).replace('_', ' ') : reason);
        }
        return new Rendered(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "internal error");
    }

    @Override
    public int getOrder() {
        // before Spring Boot's default error handler (-1)
        return -2;
    }

    private record Rendered(HttpStatusCode status, String code, String message) {
        String label() {
            HttpStatus known = HttpStatus.resolve(status.value());
            return known == null ? "error" : known.name().toLowerCase(Locale.ROOT);
        }
    }
}
