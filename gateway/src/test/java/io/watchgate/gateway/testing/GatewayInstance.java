package io.watchgate.gateway.testing;

import io.netty.handler.codec.http.HttpHeaders;
import io.watchgate.gateway.GatewayApplication;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * A gateway running in this JVM on a free port, configured with command-line style properties.
 * {@link #close()} shuts it down the way SIGTERM does (graceful).
 */
public final class GatewayInstance implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.create(ConnectionProvider.newConnection());

    private final ConfigurableApplicationContext context;
    private final int port;

    private GatewayInstance(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** Starts a gateway with these properties (and {@code server.port=0} unless given). */
    public static GatewayInstance start(Map<String, String> properties) {
        List<String> args = new ArrayList<>();
        if (!properties.containsKey("server.port")) {
            args.add("--server.port=0");
        }
        properties.forEach((key, value) -> args.add("--" + key + "=" + value));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
                .logStartupInfo(false)
                .run(args.toArray(String[]::new));
        return new GatewayInstance(context);
    }

    /** The port it listens on. */
    public int port() {
        return port;
    }

    /** An absolute URI on this gateway. */
    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** A bean of the running application. */
    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    /** Posts a JSON body and waits for the whole answer. */
    public Answer post(String path, String json) {
        return HTTP.headers(h -> h.set("Content-Type", "application/json"))
                .post()
                .uri(uri(path))
                .send(ByteBufFlux.fromString(Mono.just(json)))
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> new Answer(response.status().code(), text, response.responseHeaders())))
                .block(Duration.ofSeconds(30));
    }

    /** Gets a path and waits for the whole answer. */
    public Answer get(String path) {
        return HTTP.get()
                .uri(uri(path))
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> new Answer(response.status().code(), text, response.responseHeaders())))
                .block(Duration.ofSeconds(30));
    }

    /**
     * A whole HTTP answer.
     *
     * @param status the status code
     * @param body the body as text
     * @param headers the headers
     */
    public record Answer(int status, String body, HttpHeaders headers) {}

    @Override
    public void close() {
        context.close();
    }
}
