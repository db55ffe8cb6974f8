package io.watchgate.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Calls a gateway's admin API over HTTP with a bearer token (JDK client). */
public final class AdminClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final GatewayInstance gateway;
    private final @Nullable String token;

    /** @param token the bearer token sent, {@code null} for none */
    public AdminClient(GatewayInstance gateway, @Nullable String token) {
        this.gateway = gateway;
        this.token = token;
    }

    /** A session key as a path segment. */
    public static String segment(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8);
    }

    /** {@code GET path}. */
    public Answer get(String path) {
        return send("GET", path, null);
    }

    /** {@code POST path} without a body. */
    public Answer post(String path) {
        return send("POST", path, null);
    }

    /** {@code PUT path} with a JSON body. */
    public Answer put(String path, String json) {
        return send("PUT", path, json);
    }

    /** {@code DELETE path}. */
    public Answer delete(String path) {
        return send("DELETE", path, null);
    }

    /** Sends a request and waits for the whole answer. */
    public Answer send(String method, String path, @Nullable String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A whole answer.
     *
     * @param status the status code
     * @param body the body
     * @param headers the headers
     */
    public record Answer(int status, String body, java.net.http.HttpHeaders headers) {

        /** The body as JSON. */
        public JsonNode json() {
            return JSON.readTree(body);
        }

        /** A header's first value, or {@code null}. */
        public @Nullable String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /** An absolute URI on the gateway. */
    public URI uri(String path) {
        return gateway.uri(path);
    }
}
