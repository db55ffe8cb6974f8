package io.watchgate.core;

/** The cursor store could not be read when a session started: the session's first signal. */
public final class CursorStoreException extends WatchException {

    private static final long serialVersionUID = 1L;

    /** Wraps the store's error. */
    public CursorStoreException(Throwable cause) {
        super("cannot load the session's checkpoint from the cursor store: " + cause, cause);
    }
}
