package io.watchgate.gateway.hub;

/**
 * Who a subscriber is, for operators.
 *
 * @param remoteAddress the client's address and port, or {@code "unknown"}
 * @param userAgent the client's {@code User-Agent}, or {@code ""}
 * @param protocol how it subscribed: {@code eventsource} ({@code GET /watch}) or {@code aviso}
 */
public record SubscriberInfo(String remoteAddress, String userAgent, String protocol) {

    /** A subscriber nobody described (tests, embedding code). */
    public static final SubscriberInfo UNKNOWN = new SubscriberInfo("unknown", "", "embedded");
}
