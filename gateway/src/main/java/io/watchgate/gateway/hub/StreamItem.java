package io.watchgate.gateway.hub;

import io.watchgate.core.SessionStatus;

/** What a subscriber's stream carries: notifications and the control events around them. */
public sealed interface StreamItem {

    /**
     * A notification.
     *
     * @param event the journaled notification
     * @param replayed whether it came from the journal rather than live
     */
    record Event(JournaledEvent event, boolean replayed) implements StreamItem {}

    /**
     * The requested start is no longer kept: delivery continues from the oldest kept entry.
     *
     * @param requested the start asked for, as the client gave it
     * @param oldest the oldest offset kept
     */
    record Reset(String requested, long oldest) implements StreamItem {}

    /** The journal replay is over; what follows is live. */
    record ReplayCompleted() implements StreamItem {}

    /**
     * The upstream session changed state.
     *
     * @param status the change
     */
    record Status(SessionStatus status) implements StreamItem {}

    /**
     * The subscriber fell behind by more than its queue and is disconnected.
     *
     * @param lastDelivered the last offset it was given, or 0
     */
    record Lagged(long lastDelivered) implements StreamItem {}

    /** The gateway is shutting down. */
    record Closing() implements StreamItem {}

    /** Nothing else to say for a heartbeat interval: the connection is alive. */
    record Heartbeat() implements StreamItem {}
}
