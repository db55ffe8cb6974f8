package io.watchgate.core.auth;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OAuth2 client credentials grant (RFC 6749, section 4.4) with {@code client_secret_basic} client
 * authentication (section 2.3.1).
 *
 * <p>The access token is cached until {@code expires_in} less the expiry skew (judged with the
 * injected {@link Clock}, from the instant the request was started); without {@code expires_in} it is
 * kept until {@link #refresh()}. When {@code expires_in} is not longer than the skew, half of it is
 * used instead, so that short-lived tokens are still reused. Concurrent callers share one token
 * request. Neither the client secret nor a token is ever logged or put in an exception.
 */
final class ClientCredentialsAuth implements AuthProvider {

    private static final Logger log = LoggerFactory.getLogger(ClientCredentialsAuth.class);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The largest token endpoint answer read; a token response is a few kilobytes at most. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    /** The longest error body kept in an {@link AuthException}. */
    static final int MAX_ERROR_BODY_CHARS = 4096;

    private static final int MAX_MESSAGE_DETAIL_CHARS = 200;

    private final ClientCredentials config;
    private final HttpClient httpClient;
    private final Clock clock;
    private final String endpoint;
    private final String description;
    private final String clientAuthorization;
    private final byte[] form;
    private final TokenCache cache;

    ClientCredentialsAuth(ClientCredentials config, HttpClient httpClient, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.httpClient = Objects.requireNonNull(httpClient, "httpClient").responseTimeout(config.timeout());
        this.endpoint = redact(config.tokenUri());
        this.description = "oauth2 client-credentials (" + endpoint + ")";
        // RFC 6749 2.3.1: form-urlencode the identifier and the secret, then use them for HTTP Basic.
        this.clientAuthorization = BasicAuth.value(formEncode(config.clientId()), formEncode(config.clientSecret()));
        String body = "grant_type=client_credentials";
        if (config.scope() != null) {
            body += "&scope=" + formEncode(config.scope());
        }
        this.form = body.getBytes(StandardCharsets.US_ASCII);
        this.cache = new TokenCache(this::fetchToken, clock, "The token endpoint " + endpoint + " gave no answer");
    }

    @Override
    public Mono<Map<String, String>> headers() {
        return cache.get().map(AuthHeaders::bearer);
    }

    @Override
    public Mono<Void> refresh() {
        return cache.refresh();
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    /** One token request; every failure is an {@link AuthException}. */
    private Mono<TokenCache.Token> fetchToken() {
        return Mono.defer(() -> {
                    Instant requestedAt = clock.instant();
                    return httpClient
                            .headers(headers -> headers.set(HttpHeaderNames.AUTHORIZATION, clientAuthorization)
                                    .set(HttpHeaderNames.CONTENT_TYPE, "application/x-www-form-urlencoded")
                                    .set(HttpHeaderNames.CONTENT_LENGTH, form.length)
                                    .set(HttpHeaderNames.ACCEPT, "application/json"))
                            .post()
                            .uri(config.tokenUri())
                            .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(form)))
                            .response((response, body) -> readBody(body)
                                    .map(bytes -> toToken(response.status().code(), bytes, requestedAt)))
                            .single();
                })
                .timeout(config.timeout())
                .onErrorMap(error -> !(error instanceof AuthException), this::toAuthException)
                .doOnNext(token -> log.debug(
                        "Obtained an access token from {} (use until {})",
                        endpoint,
                        token.expiresAt() == null ? "a 401" : token.expiresAt()))
                .doOnError(error -> log.debug("Token request to {} failed: {}", endpoint, error.getMessage()));
    }

    private Mono<byte[]> readBody(ByteBufFlux body) {
        return body.asByteArray()
                .reduceWith(ByteArrayOutputStream::new, (out, chunk) -> {
                    if (out.size() + chunk.length > MAX_RESPONSE_BYTES) {
                        throw new AuthException("The token endpoint " + endpoint + " answered with more than "
                                + MAX_RESPONSE_BYTES + " bytes");
                    }
                    out.write(chunk, 0, chunk.length);
                    return out;
                })
                .map(ByteArrayOutputStream::toByteArray);
    }

    private TokenCache.Token toToken(int status, byte[] bytes, Instant requestedAt) {
        if (status < 200 || status > 299) {
            String body = truncate(new String(bytes, StandardCharsets.UTF_8), MAX_ERROR_BODY_CHARS);
            throw new AuthException(
                    "The token endpoint " + endpoint + " answered " + status + oauthError(bytes), status, body);
        }
        // The body of a successful answer may hold a token: it is neither kept nor quoted.
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new AuthException(
                    "The token endpoint " + endpoint + " answered " + status + " with a body that is not JSON",
                    status,
                    null);
        }
        if (json == null || !json.isObject()) {
            throw new AuthException(
                    "The token endpoint " + endpoint + " answered " + status + " without a JSON object", status, null);
        }
        JsonNode accessToken = json.get("access_token");
        if (accessToken == null || !accessToken.isString() || !AuthHeaders.isUsableToken(accessToken.stringValue())) {
            throw new AuthException(
                    "The token endpoint " + endpoint + " answered " + status + " without a usable access_token",
                    status,
                    null);
        }
        JsonNode tokenType = json.get("token_type");
        if (tokenType != null
                && !tokenType.isNull()
                && !(tokenType.isString() && tokenType.stringValue().equalsIgnoreCase("Bearer"))) {
            throw new AuthException(
                    "The token endpoint " + endpoint + " returned token_type '"
                            + truncate(tokenType.asString(""), MAX_MESSAGE_DETAIL_CHARS)
                            + "'; only Bearer is supported",
                    status,
                    null);
        }
        return new TokenCache.Token(accessToken.stringValue(), expiresAt(json.get("expires_in"), requestedAt));
    }

    private @Nullable Instant expiresAt(@Nullable JsonNode expiresIn, Instant requestedAt) {
        if (expiresIn == null || expiresIn.isNull()) {
            return null;
        }
        long seconds;
        if (expiresIn.isNumber() && expiresIn.canConvertToLong()) {
            seconds = expiresIn.longValue();
        } else if (expiresIn.isString() && expiresIn.stringValue().strip().matches("-?\\d{1,18}")) {
            seconds = Long.parseLong(expiresIn.stringValue().strip());
        } else {
            log.warn("The token endpoint {} returned an expires_in that is not a number: ignored", endpoint);
            return null;
        }
        if (seconds <= 0) {
            return requestedAt;
        }
        Duration lifetime = Duration.ofSeconds(seconds);
        Duration usable = lifetime.minus(config.expirySkew());
        if (usable.isNegative() || usable.isZero()) {
            usable = lifetime.dividedBy(2);
        }
        return requestedAt.plus(usable);
    }

    private AuthException toAuthException(Throwable error) {
        if (error instanceof TimeoutException || error instanceof ReadTimeoutException) {
            return new AuthException(
                    "The token endpoint " + endpoint + " did not answer within "
                            + config.timeout().toMillis() + " ms",
                    error);
        }
        return new AuthException("The token request to " + endpoint + " failed: " + error, error);
    }

    /** {@code ": error (description)"} from an RFC 6749 5.2 error body, or {@code ""}. */
    private static String oauthError(byte[] body) {
        try {
            JsonNode json = JSON.readTree(body);
            if (json == null || !json.isObject()) {
                return "";
            }
            JsonNode error = json.get("error");
            if (error == null || !error.isString()) {
                return "";
            }
            JsonNode description = json.get("error_description");
            String detail = truncate(error.stringValue(), MAX_MESSAGE_DETAIL_CHARS);
            if (description != null && description.isString()) {
                detail += " (" + truncate(description.stringValue(), MAX_MESSAGE_DETAIL_CHARS) + ")";
            }
            return ": " + detail;
        } catch (JacksonException e) {
            return "";
        }
    }

    private static String formEncode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }

    /** The URI without user info, query and fragment, which could hold secrets. */
    static String redact(URI uri) {
        StringBuilder text = new StringBuilder();
        text.append(uri.getScheme().toLowerCase(Locale.ROOT)).append("://").append(uri.getHost());
        if (uri.getPort() >= 0) {
            text.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            text.append(uri.getRawPath());
        }
        return text.toString();
    }
}
