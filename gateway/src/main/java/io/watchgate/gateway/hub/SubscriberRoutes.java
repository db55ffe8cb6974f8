package io.watchgate.gateway.hub;

import io.watchgate.core.Notification;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * A session's subscribers grouped by filter (subscribers with the same filters share its object)
 * and, within a filter, by event loop. A broadcast asks each filter once and hands each loop one
 * list per filter: a thousand channels of ten subscribers cost a thousand questions per
 * notification, not ten thousand, and nothing is allocated per subscriber.
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
     * @param byLoop its subscribers, by the executor their events are offered on
     */
    record Route(Predicate<Notification> filter, Map<Executor, List<SubscriberQueue>> byLoop) {}

    /** Groups these subscribers by filter and event loop. */
    static SubscriberRoutes of(SubscriberQueue[] subscribers) {
        Map<Predicate<Notification>, Map<Executor, List<SubscriberQueue>>> byFilter = new IdentityHashMap<>();
        for (SubscriberQueue subscriber : subscribers) {
            byFilter.computeIfAbsent(subscriber.filter(), filter -> new IdentityHashMap<>())
                    .computeIfAbsent(subscriber.delivery(), loop -> new ArrayList<>())
                    .add(subscriber);
        }
        List<Route> routes = new ArrayList<>(byFilter.size());
        byFilter.forEach((filter, byLoop) -> routes.add(new Route(filter, byLoop)));
        return new SubscriberRoutes(subscribers, List.copyOf(routes));
    }
}
