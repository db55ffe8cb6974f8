package io.watchgate.gateway.web;

import io.watchgate.gateway.hub.SubscriberInfo;
import java.net.InetSocketAddress;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.ServerRequest;

/** Describes the client of a subscribing request for operators. */
public final class Subscribers {

    /** The longest {@code User-Agent} kept. */
    static final int MAX_USER_AGENT = 256;

    private Subscribers() {}

    /**
     * Who sent this request.
     *
     * @param protocol how it subscribes ({@code eventsource}, {@code aviso})
     */
    public static SubscriberInfo describe(ServerRequest request, String protocol) {
        String address = request.remoteAddress().map(Subscribers::address).orElse("unknown");
        String userAgent = request.headers().firstHeader(HttpHeaders.USER_AGENT);
        if (userAgent == null) {
            userAgent = "";
        } else if (userAgent.length() > MAX_USER_AGENT) {
            userAgent = userAgent.substring(0, MAX_USER_AGENT);
        }
        return new SubscriberInfo(address, userAgent, protocol);
    }

    /** The numeric address and port: never a name lookup on the request path. */
    private static String address(InetSocketAddress socket) {
        String host = socket.getAddress() == null
                ? socket.getHostString()
                : socket.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + socket.getPort();
    }
}
