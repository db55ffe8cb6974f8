package io.watchgate.store;

/**
 * A store operation failed. The two kinds call for different handling: {@link
 * StoreUnavailableException} (the database cannot be reached or is overloaded: answer 503, keep
 * sessions running, retry later) and {@link StoreRejectedException} (the database refused the
 * statement: a bug or a schema mismatch, retrying does not help).
 */
public abstract sealed class StoreException extends RuntimeException
        permits StoreUnavailableException, StoreRejectedException {

    private static final long serialVersionUID = 1L;

    StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Wraps a driver error in the matching kind of store exception. */
    public static StoreException of(String operation, Throwable cause) {
        if (cause instanceof StoreException known) {
            return known;
        }
        return StoreErrors.isTransient(cause)
                ? new StoreUnavailableException(operation, cause)
                : new StoreRejectedException(operation, cause);
    }
}
