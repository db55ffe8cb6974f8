package io.watchgate.core;

import java.net.URI;
import java.util.Objects;

/**
 * The upstream server a {@link WatchClient} watches.
 *
 * @param name a short name for logs, status and session keys (the gateway uses the name from its
 *     configuration); defaults to the URL's host
 * @param protocol how to talk to it
 * @param url aviso: the base URL ({@code https://aviso.example.org}); SSE: a URL template whose
 *     {@code {name}} placeholders are filled from the request's variables
 */
public record Upstream(String name, Protocol protocol, String url) {

    /** Validates the components. */
    public Upstream {
        if (name.isBlank()) {
            throw new IllegalArgumentException("upstream name must not be blank");
        }
        Objects.requireNonNull(protocol, "protocol");
        URI parsed = URI.create(url.replace("{", "%7B").replace("}", "%7D"));
        if (!"http".equals(parsed.getScheme()) && !"https".equals(parsed.getScheme())) {
            throw new IllegalArgumentException("upstream url must be http or https: " + url);
        }
    }

    /** An aviso-server at this base URL. */
    public static Upstream aviso(URI baseUrl) {
        return new Upstream(hostOf(baseUrl), Protocol.AVISO, stripTrailingSlash(baseUrl.toString()));
    }

    /** A generic SSE source at this URL template ({@code http://host/events/{channel}}). */
    public static Upstream sse(String urlTemplate) {
        return new Upstream(
                hostOf(URI.create(urlTemplate.replace("{", "%7B").replace("}", "%7D"))), Protocol.SSE, urlTemplate);
    }

    /** The same upstream under another name. */
    public Upstream named(String newName) {
        return new Upstream(newName, protocol, url);
    }

    private static String hostOf(URI uri) {
        String host = uri.getHost();
        return host == null ? "upstream" : host;
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The wire protocols Watchgate speaks. */
    public enum Protocol {
        /** ECMWF aviso-server: {@code POST /api/v1/watch} and {@code /replay}, CloudEvents over SSE. */
        AVISO,
        /** Any Server-Sent-Events source: {@code GET} a URL, resume with {@code Last-Event-ID}. */
        SSE
    }
}
