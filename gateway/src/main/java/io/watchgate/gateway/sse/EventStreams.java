package io.watchgate.gateway.sse;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.netty.Connection;

/** Writes a stream of encoded SSE frames as an HTTP response, with heartbeats while it runs. */
public final class EventStreams {

    private EventStreams() {}

    /**
     * A {@code text/event-stream} response of these frames. Each frame's bytes are wrapped, not
     * copied, so a frame shared by many subscribers stays one array.
     *
     * @param frames the frames; the response ends when they complete
     * @param heartbeat the frame sent every {@code interval} while the stream runs
     */
    public static Mono<ServerResponse> respond(
            Flux<byte[]> frames, Duration interval, Supplier<byte[]> heartbeat, Scheduler timer) {
        return respond(null, frames, interval, heartbeat, timer, Duration.ZERO);
    }

    /**
     * The same, and once the frames have ended, the connection is closed if the client has not
     * taken the last ones within {@code closeTimeout}: a client that stopped reading (a lagged
     * one) cannot hold a connection open for ever.
     *
     * @param request the request answered ({@code null}: never force a close)
     * @param closeTimeout how long the end of the stream may take to be written
     */
    public static Mono<ServerResponse> respond(
            @Nullable ServerRequest request,
            Flux<byte[]> frames,
            Duration interval,
            Supplier<byte[]> heartbeat,
            Scheduler timer,
            Duration closeTimeout) {
        Sinks.Empty<Void> done = Sinks.empty();
        Flux<byte[]> main = frames.doFinally(signal -> done.tryEmitEmpty());
        Flux<byte[]> beats = Flux.interval(interval, interval, timer)
                .onBackpressureDrop()
                .map(tick -> heartbeat.get())
                .takeUntilOther(done.asMono());
        Flux<DataBuffer> body = Flux.merge(main, beats).map(DefaultDataBufferFactory.sharedInstance::wrap);
        return ServerResponse.ok()
                .contentType(MediaType.TEXT_EVENT_STREAM)
                .cacheControl(CacheControl.noCache())
                .header("X-Accel-Buffering", "no")
                .body((response, context) -> {
                    if (request == null || closeTimeout.isZero()) {
                        return response.writeAndFlushWith(body.map(Mono::just));
                    }
                    Disposable.Swap closer = Disposables.swap();
                    Flux<DataBuffer> closing = body.doOnComplete(() -> closer.update(timer.schedule(
                            () -> closeConnection(request), closeTimeout.toMillis(), TimeUnit.MILLISECONDS)));
                    return response.writeAndFlushWith(closing.map(Mono::just)).doFinally(signal -> closer.dispose());
                });
    }

    private static void closeConnection(ServerRequest request) {
        Object nativeRequest =
                ServerHttpRequestDecorator.getNativeRequest(request.exchange().getRequest());
        if (nativeRequest instanceof Connection connection) {
            connection.channel().close();
        }
    }
}
