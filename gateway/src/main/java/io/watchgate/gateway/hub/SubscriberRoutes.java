package io.watchgate.gateway.hub;

import io.watchgate.core.Notification;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A session's subscribers grouped by filter (subscribers with the same filters share its object),
 * so a broadcast asks each filter once and then visits only the subscribers that want the
 * notification: a thousand channels of ten subscribers cost a thousand questions per notification,
 * not ten thousand.
 *
 * @param of the subscribers these routes were made from (they are made again when it changes)
 * @param routes one route per distinct filter
 */
record SubscriberRoutes(SubscriberQueue[] of, List<Route> routes) {

    /** No subscribers. */
    static final SubscriberRoutes NONE = new SubscriberRoutes(new SubscriberQueue[0], List.of());

    /**
     * The subscribers of one filter.
     *
     * @param filter the filter they share
     * @param subscribers its subscribers
     */
    record Route(Predicate<Notification> filter, List<SubscriberQueue> subscribers) {}

    /** Groups these subscribers by filter. */
    static SubscriberRoutes of(SubscriberQueue[] subscribers) {
        Map<Predicate<Notification>, List<SubscriberQueue>> byFilter = new IdentityHashMap<>();
        for (SubscriberQueue subscriber : subscribers) {
            byFilter.computeIfAbsent(subscriber.filter(), filter -> new ArrayList<>())
                    .add(subscriber);
        }
        List<Route> routes = new ArrayList<>(byFilter.size());
        byFilter.forEach((filter, members) -> routes.add(new Route(filter, List.copyOf(members))));
        return new SubscriberRoutes(subscribers, List.copyOf(routes));
    }
}
