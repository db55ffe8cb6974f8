package io.watchgate.store;

/**
 * The database refused a statement for a reason that retrying will not fix: bad SQL, a schema
 * that does not match this version, a constraint violation the store did not expect. A bug, to be
 * reported.
 */
public final class StoreRejectedException extends StoreException {

    private static final long serialVersionUID = 1L;

    /** Describes the failed operation and keeps the driver's error as the cause. */
    public StoreRejectedException(String operation, Throwable cause) {
        super("store rejected " + operation + ": " + cause, cause);
    }
}
