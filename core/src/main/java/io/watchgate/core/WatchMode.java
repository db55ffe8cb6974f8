package io.watchgate.core;

/** Whether a session follows the upstream live or only reads its history. */
public enum WatchMode {
    /** Replay from the start (if any), then follow live notifications until cancelled. */
    WATCH,
    /** Replay history from the start, then complete (aviso {@code /replay}); needs a start. */
    REPLAY_ONLY
}
