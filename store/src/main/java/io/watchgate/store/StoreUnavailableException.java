package io.watchgate.store;

/**
 * The database could not be reached, timed out, ran out of connections or asked the client to
 * retry (serialization failure, shutdown). Transient: the operation was retried a bounded number
 * of times before this was raised, and may succeed later.
 */
public final class StoreUnavailableException extends StoreException {

    private static final long serialVersionUID = 1L;

    /** Describes the failed operation and keeps the driver's error as the cause. */
    public StoreUnavailableException(String operation, Throwable cause) {
        super("store unavailable during " + operation + ": " + cause, cause);
    }
}
