package io.watchgate.gateway.sse;

import java.time.Duration;
import java.util.function.Supplier;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

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
                .body((response, context) -> response.writeWith(body));
    }
}
