package io.watchgate.core;

/** The state of a watch session, as reported in its status and snapshot. */
public enum SessionState {
    /** Resolving the start position or opening a connection. */
    CONNECTING,
    /** Connected; the upstream is replaying history. */
    REPLAYING,
    /** Connected and following live notifications. */
    LIVE,
    /** Waiting before the next connection attempt. */
    BACKING_OFF,
    /** Obtaining fresh credentials after the upstream answered 401. */
    REFRESHING_AUTH,
    /** Ended normally: cancelled, closed, or a replay-only session that finished. */
    STOPPED,
    /** Ended with an error that retrying cannot fix. */
    FAILED;

    /** Whether the session has ended. */
    public boolean isTerminal() {
        return this == STOPPED || this == FAILED;
    }
}
