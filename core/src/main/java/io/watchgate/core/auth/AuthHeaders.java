package io.watchgate.core.auth;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Builds and checks {@code Authorization} header values. */
final class AuthHeaders {

    static final String AUTHORIZATION = "Authorization";

    private AuthHeaders() {}

    /**
     * Whether the value can be a token in a header: not empty, visible ASCII only (so no
     * whitespace and no line breaks that could split the header).
     */
    static boolean isUsableToken(@Nullable String token) {
        if (token == null || token.isEmpty()) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** The headers of a bearer token, which must be {@link #isUsableToken usable}. */
    static Map<String, String> bearer(String token) {
        return Map.of(AUTHORIZATION, "Bearer " + token);
    }
}
