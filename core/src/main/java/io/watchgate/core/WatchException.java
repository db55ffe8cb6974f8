package io.watchgate.core;

import org.jspecify.annotations.Nullable;

/** Why a watch session failed: an error that reconnecting cannot fix. */
public class WatchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An error with a message and an optional cause. */
    public WatchException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** An error with a message. */
    public WatchException(String message) {
        super(message);
    }
}
