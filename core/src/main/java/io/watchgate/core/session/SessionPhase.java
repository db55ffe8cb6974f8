package io.watchgate.core.session;

import io.watchgate.core.SessionState;
import io.watchgate.core.Start;
import io.watchgate.core.WatchException;
import java.time.Duration;

/** The states of {@link SessionMachine}; each maps to a public {@link SessionState}. */
public sealed interface SessionPhase {

    /** The public state this phase is reported as. */
    SessionState state();

    /** Loading the checkpoint from the cursor store. */
    record Loading() implements SessionPhase {
        @Override
        public SessionState state() {
            return SessionState.CONNECTING;
        }
    }

    /** Opening a connection from this start. */
    record Connecting(Start start) implements SessionPhase {
        @Override
        public SessionState state() {
            return SessionState.CONNECTING;
        }
    }

    /** Connected; the upstream replays history. */
    record Replaying() implements SessionPhase {
        @Override
        public SessionState state() {
            return SessionState.REPLAYING;
        }
    }

    /** Connected; live notifications. */
    record Live() implements SessionPhase {
        @Override
        public SessionState state() {
            return SessionState.LIVE;
        }
    }

    /** Waiting before the next attempt. */
    record BackingOff(Duration delay) implements SessionPhase {
        @Override
        public SessionState state() {
            return SessionState.BACKING_OFF;
        }
    }

    /** Refreshing credentials after a 401. */
    record RefreshingAuth() implements SessionPhase {
        @Override
        public SessionState state() {
            return SessionState.REFRESHING_AUTH;
        }
    }

    /** Ended normally. */
    record Stopped(String reason) implements SessionPhase {
        @Override
        public SessionState state() {
            return SessionState.STOPPED;
        }
    }

    /** Ended with an error. */
    record Failed(WatchException error) implements SessionPhase {
        @Override
        public SessionState state() {
            return SessionState.FAILED;
        }
    }
}
