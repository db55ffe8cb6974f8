package io.watchgate.core.auth;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The configuration of an OAuth2 client credentials grant (RFC 6749, section 4.4).
 *
 * <p>Create it with {@link #of(URI, String, String)} and adjust it with the {@code with...}
 * methods. {@link #toString()} does not show the client secret.
 *
 * @param tokenUri the token endpoint, an absolute {@code http} or {@code https} URI
 * @param clientId the client identifier, not blank
 * @param clientSecret the client secret, not empty
 * @param scope the requested scope (space-separated), or {@code null} to request the default
 *     scope; a blank scope is treated as {@code null}
 * @param expirySkew how long before its expiry a token is replaced; not negative (default {@value
 *     #DEFAULT_EXPIRY_SKEW_SECONDS} s)
 * @param timeout the limit on one token request, connection included; positive (default {@value
 *     #DEFAULT_TIMEOUT_SECONDS} s)
 */
public record ClientCredentials(
        URI tokenUri,
        String clientId,
        String clientSecret,
        @Nullable String scope,
        Duration expirySkew,
        Duration timeout) {

    /** The default {@link #expirySkew()} in seconds. */
    public static final long DEFAULT_EXPIRY_SKEW_SECONDS = 30;

    /** The default {@link #timeout()} in seconds. */
    public static final long DEFAULT_TIMEOUT_SECONDS = 10;

    /** Validates the components and normalizes a blank scope to {@code null}. */
    public ClientCredentials {
        Objects.requireNonNull(tokenUri, "tokenUri");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecret, "clientSecret");
        Objects.requireNonNull(expirySkew, "expirySkew");
        Objects.requireNonNull(timeout, "timeout");
        String scheme = tokenUri.getScheme() == null ? "" : tokenUri.getScheme().toLowerCase(Locale.ROOT);
        if (!tokenUri.isAbsolute()
                || !(scheme.equals("http") || scheme.equals("https"))
                || tokenUri.getHost() == null) {
            throw new IllegalArgumentException("tokenUri must be an absolute http(s) URI with a host: " + tokenUri);
        }
        if (clientId.isBlank()) {
            throw new IllegalArgumentException("clientId must not be blank");
        }
        if (clientSecret.isEmpty()) {
            throw new IllegalArgumentException("clientSecret must not be empty");
        }
        if (expirySkew.isNegative()) {
            throw new IllegalArgumentException("expirySkew must not be negative: " + expirySkew);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        scope = scope == null || scope.isBlank() ? null : scope.strip();
    }

    /**
     * Client credentials with no explicit scope and the default expiry skew and timeout.
     *
     * @param tokenUri the token endpoint
     * @param clientId the client identifier
     * @param clientSecret the client secret
     * @return the configuration
     */
    public static ClientCredentials of(URI tokenUri, String clientId, String clientSecret) {
        return new ClientCredentials(
                tokenUri,
                clientId,
                clientSecret,
                null,
                Duration.ofSeconds(DEFAULT_EXPIRY_SKEW_SECONDS),
                Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS));
    }

    /**
     * A copy requesting the given scope.
     *
     * @param scope the space-separated scope, or {@code null} (or blank) for the default scope
     * @return the copy
     */
    public ClientCredentials withScope(@Nullable String scope) {
        return new ClientCredentials(tokenUri, clientId, clientSecret, scope, expirySkew, timeout);
    }

    /**
     * A copy with the given expiry skew.
     *
     * @param expirySkew how long before its expiry a token is replaced
     * @return the copy
     */
    public ClientCredentials withExpirySkew(Duration expirySkew) {
        return new ClientCredentials(tokenUri, clientId, clientSecret, scope, expirySkew, timeout);
    }

    /**
     * A copy with the given token request timeout.
     *
     * @param timeout the limit on one token request
     * @return the copy
     */
    public ClientCredentials withTimeout(Duration timeout) {
        return new ClientCredentials(tokenUri, clientId, clientSecret, scope, expirySkew, timeout);
    }

    /**
     * Describes the configuration without the client secret.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return "ClientCredentials[tokenUri=" + ClientCredentialsAuth.redact(tokenUri) + ", clientId=" + clientId
                + ", clientSecret=<redacted>, scope=" + scope + ", expirySkew=" + expirySkew + ", timeout="
                + timeout + "]";
    }
}
