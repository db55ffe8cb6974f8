package io.watchgate.store.sql;

import java.util.Objects;

/** The session keys the schema can hold ({@code VARCHAR(200)}). */
public final class SessionKeys {

    /** The longest session key the store accepts. */
    public static final int MAX_LENGTH = 200;

    private SessionKeys() {}

    /**
     * Checks a session key.
     *
     * @return the key
     * @throws IllegalArgumentException when it is blank or longer than {@link #MAX_LENGTH}
     */
    public static String check(String sessionKey) {
        Objects.requireNonNull(sessionKey, "sessionKey");
        if (sessionKey.isBlank() || sessionKey.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "a session key must have 1 to " + MAX_LENGTH + " characters: got " + sessionKey.length());
        }
        return sessionKey;
    }
}
