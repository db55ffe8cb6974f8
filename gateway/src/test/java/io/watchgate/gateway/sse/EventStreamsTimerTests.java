package io.watchgate.gateway.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/** A stream's own timer, over real HTTP on loopback: it runs on the connection's event loop. */
class EventStreamsTimerTests {

    private final Set<Scheduler> timers = ConcurrentHashMap.newKeySet();
    private DisposableServer server;

    @BeforeEach
    void start() {
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(new ReactorHttpHandlerAdapter(
                        RouterFunctions.toHttpHandler(RouterFunctions.route(GET("/timed"), this::timed))))
                .bindNow();
    }

    @AfterEach
    void stop() {
        server.disposeNow();
    }

    /** Answers, once the stream's timer fired, whether it fired on the request's event loop. */
    private Mono<ServerResponse> timed(ServerRequest request) {
        Scheduler timer = EventStreams.timer(request, Schedulers.single());
        timers.add(timer);
        Channel channel = ((Connection) ServerHttpRequestDecorator.getNativeRequest(
                        request.exchange().getRequest()))
                .channel();
        Mono<String> onLoop = Mono.create(fired -> timer.schedule(
                () -> fired.success(String.valueOf(channel.eventLoop().inEventLoop())), 20, TimeUnit.MILLISECONDS));
        return ServerResponse.ok().body(onLoop, String.class);
    }

    @Test
    void aStreamsTimerFiresOnItsConnectionsEventLoopAndIsSharedByTheStreamsOfALoop() {
        int requests = 3 * LoopResources.DEFAULT_IO_WORKER_COUNT;
        for (int i = 0; i < requests; i++) {
            String answer = HttpClient.newConnection()
                    .get()
                    .uri("http://127.0.0.1:" + server.port() + "/timed")
                    .responseContent()
                    .aggregate()
                    .asString()
                    .block(Duration.ofSeconds(10));
            assertThat(answer).isEqualTo("true");
        }
        // three times as many requests as loops, at most one timer per loop
        assertThat(timers).hasSizeBetween(1, LoopResources.DEFAULT_IO_WORKER_COUNT);
    }
}
