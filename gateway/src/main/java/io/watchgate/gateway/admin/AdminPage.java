package io.watchgate.gateway.admin;

import io.watchgate.gateway.web.GatewayException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Serves the operator page ({@code GET /admin/ui}) and the files beside it, read once from {@code
 * classpath:watchgate/admin/}. The page needs no token to load (it asks for one); like the API, it
 * is not there when the admin API is off.
 */
final class AdminPage {

    private static final String FOLDER = "watchgate/admin/";
    private static final String INDEX = "index.html";
    private static final Pattern FILE = Pattern.compile("[a-z0-9-]+\\.(html|js|css)");
    private static final String POLICY = "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

    private final boolean enabled;
    private final Map<String, byte[]> files;

    AdminPage(boolean enabled) {
        this.enabled = enabled;
        this.files = enabled ? load() : Map.of();
    }

    /** {@code GET /admin/ui}. */
    Mono<ServerResponse> index(ServerRequest request) {
        return serve(INDEX, request);
    }

    /** {@code GET /admin/ui/{file}}. */
    Mono<ServerResponse> file(ServerRequest request) {
        return serve(request.pathVariable("file"), request);
    }

    private Mono<ServerResponse> serve(String name, ServerRequest request) {
        byte[] content = enabled ? files.get(name) : null;
        if (content == null) {
            return Mono.error(GatewayException.notFound("NOT_FOUND", "No route for " + request.path()));
        }
        return ServerResponse.ok()
                .contentType(type(name))
                .cacheControl(CacheControl.noCache())
                .header("Content-Security-Policy", POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .bodyValue(content);
    }

    private static MediaType type(String name) {
        if (name.endsWith(".js")) {
            return MediaType.parseMediaType("text/javascript;charset=UTF-8");
        }
        if (name.endsWith(".css")) {
            return MediaType.parseMediaType("text/css;charset=UTF-8");
        }
        return MediaType.parseMediaType("text/html;charset=UTF-8");
    }

    /** Reads the page's files at start-up, never on a request. */
    private static Map<String, byte[]> load() {
        Map<String, byte[]> loaded = new HashMap<>();
        try {
            for (Resource resource :
                    new PathMatchingResourcePatternResolver().getResources("classpath*:" + FOLDER + "*")) {
                String name = resource.getFilename();
                if (name != null && FILE.matcher(name).matches()) {
                    try (var in = resource.getInputStream()) {
                        loaded.put(name, in.readAllBytes());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the admin page from classpath:" + FOLDER, e);
        }
        return Map.copyOf(loaded);
    }
}
