package io.watchgate.gateway.sse;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Writes a stream of encoded SSE frames as an HTTP response, with heartbeats while it runs.
 *
 * <p>Frames are wrapped, never copied: a frame shared by many subscribers (a direct buffer encoded
 * once per notification) goes to every connection as the same memory. They are written as they
 * come and flushed once no more are waiting, so a burst leaves in few writes while a lone event is
 * flushed at once.
 *
 * <p>On HTTP/1.1 the body is delimited by closing the connection ({@code Connection: close}), not
 * chunked: a stream lives as long as its connection anyway, and each event then leaves as the
 * frame itself, without a chunk header allocated and written per subscriber per event.
 */
public final class EventStreams {

    private static final NettyDataBufferFactory BUFFERS = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);

    /** The scheduler over the event loop a thread runs, made there when a stream first asks for it. */
    private static final ThreadLocal<@Nullable LoopTimer> LOOP_TIMER = new ThreadLocal<>();

    private EventStreams() {}

    /**
     * A {@code text/event-stream} response of these frames, with a heartbeat frame merged in every
     * {@code interval} while they run.
     *
     * @param frames the frames, from their position to their limit (which are left as they are);
     *     the response ends when they complete
     * @param heartbeat the frame sent every {@code interval} while the stream runs
     * @param timer where the heartbeats are timed: the stream's {@link #timer(ServerRequest, Scheduler)}
     */
    public static Mono<ServerResponse> respond(
            Flux<ByteBuffer> frames, Duration interval, Supplier<byte[]> heartbeat, Scheduler timer) {
        Sinks.Empty<Void> done = Sinks.empty();
        Flux<ByteBuffer> main = frames.doFinally(signal -> done.tryEmitEmpty());
        Flux<ByteBuffer> beats = Flux.interval(interval, interval, timer)
                .onBackpressureDrop()
                .map(tick -> ByteBuffer.wrap(heartbeat.get()))
                .takeUntilOther(done.asMono());
        return write(null, Flux.merge(main, beats).map(EventStreams::wrap), timer, Duration.ZERO);
    }

    /**
     * A {@code text/event-stream} response of frames that carry their own heartbeats; once they have
     * ended, the connection is closed if the client has not taken the last ones within {@code
     * closeTimeout}: a client that stopped reading (a lagged one) cannot hold a connection open for
     * ever.
     *
     * @param timer where the close is timed: the stream's {@link #timer(ServerRequest, Scheduler)}
     */
    public static Mono<ServerResponse> respond(
            ServerRequest request, Flux<ByteBuffer> frames, Scheduler timer, Duration closeTimeout) {
        return write(request, frames.map(EventStreams::wrap), timer, closeTimeout);
    }

    private static Mono<ServerResponse> write(
            @Nullable ServerRequest request, Flux<DataBuffer> body, Scheduler timer, Duration closeTimeout) {
        return ServerResponse.ok()
                .contentType(MediaType.TEXT_EVENT_STREAM)
                .cacheControl(CacheControl.noCache())
                .header("X-Accel-Buffering", "no")
                .body((response, context) -> {
                    closeDelimited(response);
                    if (request == null || closeTimeout.isZero()) {
                        return response.writeWith(body);
                    }
                    Disposable.Swap closer = Disposables.swap();
                    Flux<DataBuffer> closing = body.doOnComplete(() -> closer.update(timer.schedule(
                            () -> closeConnection(request), closeTimeout.toMillis(), TimeUnit.MILLISECONDS)));
                    return response.writeWith(closing).doFinally(signal -> closer.dispose());
                });
    }

    /** Asks Reactor Netty not to chunk the body: it then ends the response by closing the connection. */
    private static void closeDelimited(ServerHttpResponse response) {
        if (ServerHttpResponseDecorator.getNativeResponse(response) instanceof HttpServerResponse netty) {
            netty.chunkedTransfer(false);
        }
    }

    private static DataBuffer wrap(ByteBuffer frame) {
        return BUFFERS.wrap(Unpooled.wrappedBuffer(frame));
    }

    /**
     * The event loop of the request's connection, where a stream for it should run so that writing
     * an event needs no thread hop; the calling thread where the server is not Reactor Netty.
     */
    public static Executor eventLoop(ServerRequest request) {
        Connection connection = connection(request);
        return connection == null ? Runnable::run : connection.channel().eventLoop();
    }

    /**
     * Where a stream's own timers (its heartbeats, its close timer) should run: the event loop of the
     * request's connection. A loop keeps its scheduled tasks in a queue only it touches, so starting
     * and cancelling them there takes no lock, where a shared scheduler's queue can make the loop
     * wait for another thread (cancelling a heartbeat when a stream ends did); a heartbeat is then
     * also written and flushed without a thread hop. {@code fallback} where the server is not
     * Reactor Netty. Never dispose what it returns: that would shut the event loop down.
     */
    public static Scheduler timer(ServerRequest request, Scheduler fallback) {
        Connection connection = connection(request);
        if (connection == null) {
            return fallback;
        }
        EventLoop loop = connection.channel().eventLoop();
        if (!loop.inEventLoop()) {
            return Schedulers.fromExecutorService(loop, "watchgate-stream-timer");
        }
        LoopTimer timer = LOOP_TIMER.get();
        if (timer == null || timer.loop() != loop) {
            timer = new LoopTimer(loop, Schedulers.fromExecutorService(loop, "watchgate-stream-timer"));
            LOOP_TIMER.set(timer);
        }
        return timer.scheduler();
    }

    /** A scheduler over an event loop. */
    private record LoopTimer(EventLoop loop, Scheduler scheduler) {}

    /**
     * What flushes the request's connection: run on its event loop, it flushes what was written
     * (elsewhere it does nothing: the response's own flush, a task on the loop, follows anyway). A
     * stream that has handed on what was there runs it, so a burst leaves in one write while the
     * buffers it wrote are still in the cache; Reactor Netty's flush task, still queued once per
     * burst, then finds nothing left to flush.
     */
    public static Runnable flusher(ServerRequest request) {
        Connection connection = connection(request);
        if (connection == null) {
            return () -> {};
        }
        Channel channel = connection.channel();
        return () -> {
            if (channel.eventLoop().inEventLoop()) {
                channel.flush();
            }
        };
    }

    private static void closeConnection(ServerRequest request) {
        Connection connection = connection(request);
        if (connection != null) {
            connection.channel().close();
        }
    }

    private static @Nullable Connection connection(ServerRequest request) {
        Object nativeRequest =
                ServerHttpRequestDecorator.getNativeRequest(request.exchange().getRequest());
        return nativeRequest instanceof Connection connection ? connection : null;
    }
}
