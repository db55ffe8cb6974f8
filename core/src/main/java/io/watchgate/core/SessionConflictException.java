package io.watchgate.core;

/** A session with the same session key is already running in this client. */
public final class SessionConflictException extends WatchException {

    private static final long serialVersionUID = 1L;

    /** A conflict on this key. */
    public SessionConflictException(String sessionKey, String canonical) {
        super("a session with key " + sessionKey + " (" + canonical + ") is already running in this client;"
                + " share its Flux (e.g. with publish()) instead of opening a second upstream session");
    }
}
