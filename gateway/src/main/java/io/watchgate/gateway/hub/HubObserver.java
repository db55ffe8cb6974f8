package io.watchgate.gateway.hub;

/**
 * What the sessions report as they work, for metrics. Called on the threads that do the work (the
 * store's, the event loops): implementations must be quick and must not block.
 */
public interface HubObserver {

    /** Observes nothing. */
    HubObserver NONE = new HubObserver() {};

    /**
     * A batch was journaled.
     *
     * @param upstream the session's upstream
     * @param notifications how many notifications the batch held
     * @param nanos how long the append took
     */
    default void journaled(String upstream, int notifications, long nanos) {}

    /**
     * A store operation failed (it may be retried).
     *
     * @param operation a stable name: {@code journal_append}, {@code journal_read}, {@code cursor_commit}
     */
    default void storeFailed(String operation, Throwable error) {}

    /**
     * An upstream session committed its cursor.
     *
     * @param nanos how long the commit took
     */
    default void cursorCommitted(long nanos) {}

    /** Bytes arrived from an upstream connection. */
    default void upstreamBytes(String upstream, long bytes) {}

    /** A notification was handed to a subscriber's connection. */
    default void delivered() {}

    /** A subscriber was cut off because it fell behind. */
    default void lagged() {}

    /** A session started (it appears in {@link SessionHub#sessions()}). */
    default void sessionStarted(HubSession session) {}

    /** A session ended. */
    default void sessionEnded(HubSession session) {}

    /** A session changed state or reported an incident. */
    default void transition(SessionTransition transition) {}
}
