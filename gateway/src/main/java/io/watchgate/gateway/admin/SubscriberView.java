package io.watchgate.gateway.admin;

import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SubscriberQueue;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * A connected subscriber, as {@code GET /admin/subscribers} shows it.
 *
 * @param session the session key
 * @param upstream the session's upstream
 * @param remoteAddress the client's address and port
 * @param userAgent the client's {@code User-Agent}
 * @param protocol {@code eventsource} or {@code aviso}
 * @param since when it subscribed (ISO-8601)
 * @param delivered notifications written to it
 * @param queueDepth notifications waiting in its queue
 * @param laggedCount how often it was cut off for falling behind (1 while such a subscriber's
 *     connection is being closed)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SubscriberView(
        String session,
        String upstream,
        String remoteAddress,
        String userAgent,
        String protocol,
        String since,
        long delivered,
        int queueDepth,
        int laggedCount) {

    static SubscriberView of(HubSession session, SubscriberQueue queue) {
        return new SubscriberView(
                session.key(),
                session.spec().upstream(),
                queue.info().remoteAddress(),
                queue.info().userAgent(),
                queue.info().protocol(),
                queue.since().toString(),
                queue.delivered(),
                queue.depth(),
                queue.endReason() == SubscriberQueue.End.LAGGED ? 1 : 0);
    }
}
