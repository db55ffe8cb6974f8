package io.watchgate.core.auth;

import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Supplies the credentials of upstream requests.
 *
 * <p>Implementations must be thread-safe and non-blocking: {@link #headers()} is called before every
 * connection attempt, possibly by many sessions at once, and {@link #refresh()} once after an
 * upstream answered {@code 401}. The built-in providers are created with the static factories.
 */
public interface AuthProvider {

    /**
     * Headers to add to one upstream request (for example {@code Authorization}). Called before
     * every connection attempt.
     *
     * @return the headers, empty when the upstream needs none; an error (usually an {@link
     *     AuthException}) when no credentials could be obtained
     */
    Mono<Map<String, String>> headers();

    /**
     * Obtains fresh credentials, called once after the upstream answered {@code 401}.
     *
     * @return completes when the next {@link #headers()} call will use the fresh credentials; errors
     *     if refreshing failed. By default empty: there is nothing to refresh.
     */
    default Mono<Void> refresh() {
        return Mono.empty();
    }

    /**
     * A short description for logs and status, never containing a secret, for example {@code
     * "bearer"}, {@code "basic"} or {@code "oauth2 client-credentials (https://idp/token)"}.
     *
     * @return the description
     */
    String describe();

    /**
     * No credentials: {@link #headers()} is always empty.
     *
     * @return the provider
     */
    static AuthProvider none() {
        return NoAuth.INSTANCE;
    }

    /**
     * A static bearer token: {@code Authorization: Bearer <token>}; {@link #refresh()} does nothing.
     *
     * @param token the token: not blank, visible ASCII characters only
     * @return the provider
     * @throws IllegalArgumentException if the token is blank or contains other characters
     */
    static AuthProvider bearer(String token) {
        return new StaticBearerAuth(token);
    }

    /**
     * A bearer token obtained from a supplier. The supplier is subscribed on first use and its token
     * cached; {@link #refresh()} subscribes it again and replaces the cached token. Concurrent
     * callers share one in-flight supplier call, and a failed call is not cached (the next {@link
     * #headers()} call tries again). An empty or blank token, or a supplier call taking longer than
     * 10 seconds, fails with an {@link AuthException}.
     *
     * @param tokenSupplier the source of tokens; each subscription to its {@code Mono} should
     *     obtain a current token
     * @return the provider
     */
    static AuthProvider bearer(Supplier<Mono<String>> tokenSupplier) {
        return new SuppliedBearerAuth(tokenSupplier);
    }

    /**
     * HTTP Basic authentication (RFC 7617, UTF-8): {@code Authorization: Basic
     * base64(username:password)}.
     *
     * @param username the user-id, which must not contain a colon
     * @param password the password
     * @return the provider
     * @throws IllegalArgumentException if the username contains a colon
     */
    static AuthProvider basic(String username, String password) {
        return new BasicAuth(username, password);
    }

    /**
     * OAuth2 client credentials grant (RFC 6749, section 4.4) with its own default {@link
     * HttpClient}. Tokens are cached until they expire (less {@link ClientCredentials#expirySkew()})
     * and refetched by {@link #refresh()}; concurrent callers share one token request. Token
     * endpoint failures surface as {@link AuthException}.
     *
     * @param config the token endpoint and client credentials
     * @return the provider
     */
    static AuthProvider clientCredentials(ClientCredentials config) {
        return clientCredentials(config, HttpClient.create());
    }

    /**
     * OAuth2 client credentials grant, as {@link #clientCredentials(ClientCredentials)}, sending its
     * token requests through the given client so that it shares the caller's connection resources.
     * The client is used as configured, with {@link ClientCredentials#timeout()} as its response
     * timeout; the caller's instance is not modified.
     *
     * @param config the token endpoint and client credentials
     * @param httpClient the client to derive the token requests from
     * @return the provider
     */
    static AuthProvider clientCredentials(ClientCredentials config, HttpClient httpClient) {
        return new ClientCredentialsAuth(config, httpClient, Clock.systemUTC());
    }
}
