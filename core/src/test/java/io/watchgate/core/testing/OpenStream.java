package io.watchgate.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The server side of one open event stream, shared by both test servers: a live queue, a graceful
 * close trigger, and the faults (drop after n notifications, stall at start or after a countdown).
 *
 * <p>{@link #offer} and {@link #close} must be serialized by the owning server (it calls them under
 * its lock); everything else is thread-safe.
 */
final class OpenStream {

    private final Sinks.Many<Frame> live = Sinks.many().unicast().onBackpressureBuffer();
    private final Sinks.One<Frame> closing = Sinks.one();
    private final int dropAfter;
    private final AtomicInteger stallCountdown;
    private final boolean stalledAtStart;
    private volatile @Nullable Connection connection;
    private volatile boolean stalled;
    private volatile boolean abrupt;
    /** Confined to the serialized frame pipeline. */
    private int notificationsSent;

    /**
     * @param dropAfter close the TCP connection after this many notifications ({@code 0}: right after
     *     the headers; negative: never)
     * @param stalledAtStart send the headers and then nothing at all
     * @param stallCountdown shared by the server's streams: every notification written decrements a
     *     positive value, and the stream that takes it from 1 to 0 goes silent ({@code 0}: disarmed)
     */
    OpenStream(int dropAfter, boolean stalledAtStart, AtomicInteger stallCountdown) {
        this.dropAfter = dropAfter;
        this.stallCountdown = stallCountdown;
        this.stalledAtStart = stalledAtStart;
        this.stalled = stalledAtStart;
    }

    /** Whether this stream has gone (or started) silent. */
    boolean isStalled() {
        return stalled;
    }

    /** Queues a live frame; it is written after whatever precedes the live part of the body. */
    void offer(Frame frame) {
        live.tryEmitNext(frame);
    }

    /** The live frames queued by {@link #offer}, in order; subscribe once. */
    Flux<Frame> live() {
        return live.asFlux();
    }

    /** Completes with the closing frame given to {@link #close}. */
    Mono<Frame> closing() {
        return closing.asMono();
    }

    /** Ends the body after {@code closingFrame} (the first call wins; ignored when stalled). */
    void close(Frame closingFrame) {
        closing.tryEmitValue(closingFrame);
    }

    /** Makes the stream silent from now on; it stays open. */
    void stall() {
        stalled = true;
    }

    /** Closes the TCP connection now, without ending the body. */
    void drop() {
        abrupt = true;
        Connection c = connection;
        if (c != null) {
            c.channel().close();
        }
    }

    /**
     * Sends the event-stream response: headers at once, then {@code frames} with the faults applied.
     * The caller sets status and headers on {@code response} first.
     */
    Mono<Void> respond(HttpServerResponse response, Flux<Frame> frames) {
        response.withConnection(c -> connection = c);
        if (stalledAtStart) {
            return Mono.from(response.sendHeaders().then(Mono.never()));
        }
        if (dropAfter == 0) {
            abrupt = true;
            return Mono.from(response.sendHeaders()).then(Mono.defer(this::closeAbruptly));
        }
        Flux<ByteBuf> body = frames.handle(this::applyFaults)
                .concatWith(Mono.defer(() -> stalled ? Mono.never() : Mono.empty()))
                .filter(frame -> frame.bytes().length > 0)
                .map(frame -> Unpooled.wrappedBuffer(frame.bytes()));
        return response.sendHeaders()
                .send(body, buf -> true)
                .then()
                .then(Mono.defer(() -> abrupt ? closeAbruptly() : Mono.empty()));
    }

    private void applyFaults(Frame frame, SynchronousSink<Frame> sink) {
        if (abrupt) {
            sink.complete();
            return;
        }
        if (stalled) {
            return;
        }
        sink.next(frame);
        if (frame.kind() == Frame.Kind.NOTIFICATION) {
            notificationsSent++;
            if (stallCountdown.getAndUpdate(left -> left > 0 ? left - 1 : left) == 1) {
                stalled = true; // a stall wins over a drop on the same notification
            } else if (dropAfter > 0 && notificationsSent >= dropAfter) {
                abrupt = true;
                sink.complete();
            }
        }
    }

    /** Runs once every written frame is flushed: closes the channel without the last chunk. */
    private Mono<Void> closeAbruptly() {
        Connection c = connection;
        if (c != null) {
            c.channel().close();
        }
        return Mono.never();
    }
}
