package io.watchgate.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.test.StepVerifier;

/** {@link ClientCredentialsAuth} against a real token endpoint on the loopback interface. */
class ClientCredentialsAuthIntegrationTests {

    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(10);

    private static final String CLIENT_ID = "my client";
    private static final String CLIENT_SECRET = "s3cr:t/+\u00e9";
    /** base64("my+client:s3cr%3At%2F%2B%C3%A9"): both parts form-urlencoded first (RFC 6749 2.3.1). */
    private static final String CLIENT_AUTHORIZATION = "Basic bXkrY2xpZW50OnMzY3IlM0F0JTJGJTJCJUMzJUE5";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private volatile String expectedForm = "grant_type=client_credentials&scope=read+write";
    private volatile IntFunction<Mono<Reply>> responder = n -> Mono.just(token("tok-" + n, 3600));

    private @Nullable DisposableServer server;
    private int port;
    private ClientCredentials config = ClientCredentials.of(URI.create("http://127.0.0.1:1/"), "x", "y");

    /** What the token endpoint answers to one request. */
    private record Reply(int status, String body) {}

    @BeforeEach
    void startTokenEndpoint() {
        DisposableServer started = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.post("/oauth/token", this::handle))
                .bindNow(Duration.ofSeconds(5));
        server = started;
        port = started.port();
        config = ClientCredentials.of(
                        URI.create("http://127.0.0.1:" + started.port() + "/oauth/token"), CLIENT_ID, CLIENT_SECRET)
                .withScope("read write")
                .withExpirySkew(Duration.ofSeconds(30))
                .withTimeout(Duration.ofSeconds(5));
    }

    @AfterEach
    void stopTokenEndpoint() {
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(5));
        }
        assertThat(problems).as("requests the token endpoint rejected").isEmpty();
    }

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        return request.receive()
                .aggregate()
                .asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .flatMap(form -> {
                    int number = requests.incrementAndGet();
                    String problem = check(request, form);
                    if (problem != null) {
                        problems.add(problem);
                        return send(response, new Reply(400, "{\"error\":\"invalid_request\"}"));
                    }
                    return responder.apply(number).flatMap(reply -> send(response, reply));
                });
    }

    private @Nullable String check(HttpServerRequest request, String form) {
        String contentType = request.requestHeaders().get("Content-Type");
        if (!"application/x-www-form-urlencoded".equals(contentType)) {
            return "Content-Type " + contentType;
        }
        String authorization = request.requestHeaders().get("Authorization");
        if (!CLIENT_AUTHORIZATION.equals(authorization)) {
            return "Authorization " + authorization;
        }
        String accept = request.requestHeaders().get("Accept");
        if (!"application/json".equals(accept)) {
            return "Accept " + accept;
        }
        if (!expectedForm.equals(form)) {
            return "form " + form;
        }
        return null;
    }

    private static Mono<Void> send(HttpServerResponse response, Reply reply) {
        return response.status(reply.status())
                .header("Content-Type", "application/json")
                .sendString(Mono.just(reply.body()))
                .then();
    }

    private static Reply token(String accessToken, long expiresIn) {
        return new Reply(
                200,
                "{\"access_token\":\"" + accessToken + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn
                        + "}");
    }

    private ClientCredentialsAuth auth() {
        return new ClientCredentialsAuth(config, HttpClient.create(), clock);
    }

    private static void expectHeader(AuthProvider auth, String authorization) {
        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", authorization))
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
    }

    private static AuthException expectAuthException(AuthProvider auth) {
        AuthException[] caught = new AuthException[1];
        StepVerifier.create(auth.headers())
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(AuthException.class);
                    caught[0] = (AuthException) error;
                })
                .verify(VERIFY_TIMEOUT);
        AuthException exception = caught[0];
        assertThat(exception.getMessage()).doesNotContain(CLIENT_SECRET).doesNotContain("s3cr");
        return exception;
    }

    @Test
    void tokenIsFetchedOnceAndCachedAcrossManyCalls() {
        ClientCredentialsAuth auth = auth();

        for (int i = 0; i < 20; i++) {
            expectHeader(auth, "Bearer tok-1");
        }

        assertThat(requests).hasValue(1);
        assertThat(auth.describe()).isEqualTo("oauth2 client-credentials (http://127.0.0.1:" + port + "/oauth/token)");
    }

    @Test
    void concurrentCallersShareOneTokenRequest() {
        int callers = 50;
        Sinks.Empty<Void> allSubscribed = Sinks.empty();
        responder = n -> allSubscribed.asMono().thenReturn(token("tok-" + n, 3600));
        AtomicInteger subscribed = new AtomicInteger();
        ClientCredentialsAuth auth = auth();

        Mono<List<Map<String, String>>> all = Flux.range(0, callers)
                .parallel(callers)
                .runOn(Schedulers.parallel())
                .flatMap(i -> auth.headers().doOnSubscribe(s -> {
                    if (subscribed.incrementAndGet() == callers) {
                        allSubscribed.tryEmitEmpty();
                    }
                }))
                .sequential()
                .collectList();

        StepVerifier.create(all)
                .assertNext(headers ->
                        assertThat(headers).hasSize(callers).containsOnly(Map.of("Authorization", "Bearer tok-1")))
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        assertThat(requests).hasValue(1);
    }

    @Test
    void expiredTokenIsReplacedOnTheNextCall() {
        responder = n -> Mono.just(token("tok-" + n, 120));
        ClientCredentialsAuth auth = auth();

        expectHeader(auth, "Bearer tok-1");
        clock.advance(Duration.ofSeconds(89)); // expires_in 120 - skew 30 = 90 s
        expectHeader(auth, "Bearer tok-1");
        assertThat(requests).hasValue(1);

        clock.advance(Duration.ofSeconds(1));
        expectHeader(auth, "Bearer tok-2");
        expectHeader(auth, "Bearer tok-2");
        assertThat(requests).hasValue(2);
    }

    @Test
    void tokenNotOutlivingTheSkewIsKeptForHalfItsLifetime() {
        responder = n -> Mono.just(token("tok-" + n, 20));
        ClientCredentialsAuth auth = auth();

        expectHeader(auth, "Bearer tok-1");
        clock.advance(Duration.ofSeconds(9));
        expectHeader(auth, "Bearer tok-1");
        clock.advance(Duration.ofSeconds(1));
        expectHeader(auth, "Bearer tok-2");
        assertThat(requests).hasValue(2);
    }

    @Test
    void tokenWithoutExpiresInIsKeptUntilRefresh() {
        config = config.withScope(null);
        expectedForm = "grant_type=client_credentials";
        responder = n -> Mono.just(new Reply(200, "{\"access_token\":\"tok-" + n + "\"}"));
        ClientCredentialsAuth auth = auth();

        expectHeader(auth, "Bearer tok-1");
        clock.advance(Duration.ofDays(1));
        expectHeader(auth, "Bearer tok-1");
        assertThat(requests).hasValue(1);

        StepVerifier.create(auth.refresh()).expectComplete().verify(VERIFY_TIMEOUT);
        expectHeader(auth, "Bearer tok-2");
        assertThat(requests).hasValue(2);
    }

    @Test
    void refreshFetchesANewTokenEvenIfTheCachedOneIsValid() {
        ClientCredentialsAuth auth = auth();

        expectHeader(auth, "Bearer tok-1");
        StepVerifier.create(auth.refresh()).expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(requests).hasValue(2);
        expectHeader(auth, "Bearer tok-2");
        expectHeader(auth, "Bearer tok-2");
        assertThat(requests).hasValue(2);
    }

    @Test
    void lowerCaseBearerTokenTypeIsAccepted() {
        responder = n -> Mono.just(
                new Reply(200, "{\"access_token\":\"tok-" + n + "\",\"token_type\":\"bearer\",\"expires_in\":60}"));

        expectHeader(auth(), "Bearer tok-1");
    }

    @Test
    void unauthorizedClientFailsWithStatusAndBodyAndIsNotCached() {
        String body = "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}";
        responder = n -> Mono.just(n == 1 ? new Reply(401, body) : token("tok-" + n, 3600));
        ClientCredentialsAuth auth = auth();

        AuthException exception = expectAuthException(auth);

        assertThat(exception.status()).hasValue(401);
        assertThat(exception.body()).hasValue(body);
        assertThat(exception)
                .hasMessage("The token endpoint http://127.0.0.1:" + port
                        + "/oauth/token answered 401: invalid_client (Client authentication failed)");
        expectHeader(auth, "Bearer tok-2");
        assertThat(requests).hasValue(2);
    }

    @Test
    void serverErrorWithATextBodyKeepsTheBody() {
        responder = n -> Mono.just(new Reply(503, "maintenance"));

        AuthException exception = expectAuthException(auth());

        assertThat(exception.status()).hasValue(503);
        assertThat(exception.body()).hasValue("maintenance");
        assertThat(exception).hasMessageEndingWith("/oauth/token answered 503");
    }

    @Test
    void refreshFailureIsReported() {
        responder = n -> Mono.just(n == 1 ? token("tok-1", 3600) : new Reply(400, "{\"error\":\"invalid_scope\"}"));
        ClientCredentialsAuth auth = auth();

        expectHeader(auth, "Bearer tok-1");
        StepVerifier.create(auth.refresh())
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOfSatisfying(
                                AuthException.class, e -> assertThat(e.status()).hasValue(400)))
                .verify(VERIFY_TIMEOUT);
        assertThat(requests).hasValue(2);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"access_token\": \"tok",
                "not json at all",
                "",
                "[\"tok\"]",
                "{\"token_type\":\"Bearer\",\"expires_in\":3600}",
                "{\"access_token\":42,\"token_type\":\"Bearer\"}",
                "{\"access_token\":\"\",\"token_type\":\"Bearer\"}",
                "{\"access_token\":\"two words\",\"token_type\":\"Bearer\"}"
            })
    void unusableSuccessfulAnswerFailsWithoutKeepingTheBody(String body) {
        responder = n -> Mono.just(new Reply(200, body));

        AuthException exception = expectAuthException(auth());

        assertThat(exception.status()).hasValue(200);
        assertThat(exception.body()).isEmpty();
        assertThat(exception.getMessage())
                .startsWith("The token endpoint http://127.0.0.1:" + port + "/oauth/token answered 200 ")
                .containsAnyOf("not JSON", "without a JSON object", "without a usable access_token");
        assertThat(requests).hasValue(1);
    }

    @Test
    void oversizedAnswerIsRejected() {
        String padding = "x".repeat(ClientCredentialsAuth.MAX_RESPONSE_BYTES);
        responder = n -> Mono.just(new Reply(200, "{\"access_token\":\"tok\",\"padding\":\"" + padding + "\"}"));

        AuthException exception = expectAuthException(auth());

        assertThat(exception).hasMessageEndingWith("/oauth/token answered with more than 65536 bytes");
        assertThat(exception.status()).isEmpty();
        assertThat(exception.body()).isEmpty();
    }

    @Test
    void tokenTypeOtherThanBearerIsRejectedWithoutShowingTheToken() {
        responder = n -> Mono.just(new Reply(200, "{\"access_token\":\"mac-key-123\",\"token_type\":\"mac\"}"));

        AuthException exception = expectAuthException(auth());

        assertThat(exception.status()).hasValue(200);
        assertThat(exception.body()).isEmpty();
        assertThat(exception.getMessage()).contains("token_type 'mac'").doesNotContain("mac-key-123");
    }

    @Test
    void silentEndpointTimesOutWithinTheConfiguredTimeout() {
        responder = n -> n == 1 ? Mono.just(token("warm-up", 3600)) : Mono.never();
        // A first request with the 5 s timeout loads the classes and starts the event loops, so that
        // the 300 ms below measure the endpoint's silence rather than a cold JVM.
        expectHeader(auth(), "Bearer warm-up");
        config = config.withTimeout(Duration.ofMillis(300));
        ClientCredentialsAuth auth = auth();

        Duration elapsed = StepVerifier.create(auth.headers())
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(AuthException.class)
                        .hasMessageEndingWith("/oauth/token did not answer within 300 ms"))
                .verify(VERIFY_TIMEOUT);

        assertThat(elapsed).isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));
        assertThat(requests).hasValue(2);
    }

    @Test
    void unreachableEndpointFailsWithAuthException() {
        DisposableServer closed = HttpServer.create().host("127.0.0.1").port(0).bindNow(Duration.ofSeconds(5));
        int closedPort = closed.port();
        closed.disposeNow(Duration.ofSeconds(5));
        config = ClientCredentials.of(
                        URI.create("http://127.0.0.1:" + closedPort + "/oauth/token"), CLIENT_ID, CLIENT_SECRET)
                .withTimeout(Duration.ofSeconds(3));

        StepVerifier.create(auth().headers())
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(AuthException.class)
                        .hasMessageStartingWith(
                                "The token request to http://127.0.0.1:" + closedPort + "/oauth/token failed")
                        .hasCauseInstanceOf(java.net.ConnectException.class))
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void publicFactoryAcceptsASharedHttpClient() {
        HttpClient shared = HttpClient.create();
        AuthProvider auth = AuthProvider.clientCredentials(config, shared);

        expectHeader(auth, "Bearer tok-1");
        expectHeader(auth, "Bearer tok-1");
        assertThat(requests).hasValue(1);
        assertThat(auth.describe()).startsWith("oauth2 client-credentials (http://127.0.0.1:");
    }
}
