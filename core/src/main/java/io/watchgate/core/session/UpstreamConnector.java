package io.watchgate.core.session;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import io.watchgate.core.protocol.UpstreamCall;
import io.watchgate.core.protocol.UpstreamProtocol;
import io.watchgate.core.session.SessionEvent.ConnectionLost;
import io.watchgate.core.session.SessionEvent.LossReason;
import io.watchgate.core.sse.SseDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * The I/O edge of a session: opens one upstream stream and turns everything that happens on it
 * into {@link SessionEvent}s. The returned Flux never errors: a refused request becomes {@link
 * SessionEvent.Refused}, a network error {@link LossReason#TRANSPORT_ERROR}, silence longer than
 * the heartbeat budget while bytes are wanted ({@link HeartbeatWatchdog}) {@link
 * LossReason#HEARTBEAT_STARVED}, and the end of the body {@link
 * LossReason#UNEXPECTED_EOF}. Cancelling the subscription closes the connection.
 */
final class UpstreamConnector {

    /** Error bodies are kept up to this many bytes. */
    static final int MAX_ERROR_BODY = 4096;

    private final HttpClient httpClient;
    private final UpstreamProtocol protocol;
    private final Duration heartbeatBudget;
    private final Scheduler scheduler;
    private final Supplier<SseDecoder> decoders;

    UpstreamConnector(
            HttpClient httpClient,
            UpstreamProtocol protocol,
            Duration heartbeatBudget,
            Scheduler scheduler,
            Supplier<SseDecoder> decoders) {
        this.httpClient = httpClient;
        this.protocol = protocol;
        this.heartbeatBudget = heartbeatBudget;
        this.scheduler = scheduler;
        this.decoders = decoders;
    }

    /** Opens a stream; see the class comment for the events. */
    Flux<SessionEvent> open(UpstreamCall call, Map<String, String> authHeaders) {
        return Flux.defer(() -> {
            SseDecoder decoder = decoders.get();
            HeartbeatWatchdog watchdog = new HeartbeatWatchdog(heartbeatBudget, scheduler);
            HttpClient.ResponseReceiver<?> request = httpClient
                    .headers(headers -> {
                        call.headers().forEach(headers::set);
                        authHeaders.forEach(headers::set);
                    })
                    .request(HttpMethod.valueOf(call.method()))
                    .uri(call.uri())
                    .send((req, out) ->
                            call.body() == null ? out : out.sendString(Mono.just(call.body()), StandardCharsets.UTF_8));
            return request.response((response, body) -> {
                        watchdog.headersReceived();
                        if (response.status().code() != 200) {
                            return refused(response, body).map(List::of).flux();
                        }
                        Flux<List<SessionEvent>> events = body.doOnRequest(watchdog::requested)
                                .map(chunk -> {
                                    watchdog.received();
                                    return decode(decoder, chunk);
                                });
                        return Flux.concat(Mono.just(List.<SessionEvent>of(new SessionEvent.Opened())), events);
                    })
                    .takeUntilOther(watchdog.starvation())
                    .concatMapIterable(events -> events, 32)
                    .concatWith(Mono.fromSupplier(() -> watchdog.starved() ? starved() : endOfBody(decoder)))
                    .onErrorResume(error -> Mono.just(lost(error)));
        });
    }

    private SessionEvent starved() {
        return new ConnectionLost(LossReason.HEARTBEAT_STARVED, "no byte for " + heartbeatBudget.toMillis() + " ms");
    }

    private List<SessionEvent> decode(SseDecoder decoder, ByteBuf chunk) {
        List<SessionEvent> events = new ArrayList<>(4);
        if (chunk.nioBufferCount() == 1) {
            decodeInto(decoder, chunk.nioBuffer(), events);
        } else {
            for (ByteBuffer buffer : chunk.nioBuffers()) {
                decodeInto(decoder, buffer, events);
            }
        }
        return events.isEmpty() ? List.of() : events;
    }

    private void decodeInto(SseDecoder decoder, ByteBuffer buffer, List<SessionEvent> events) {
        decoder.decode(buffer, frame -> protocol.decode(frame, events::add));
    }

    private static SessionEvent endOfBody(SseDecoder decoder) {
        boolean partial = decoder.finish();
        return new ConnectionLost(
                LossReason.UNEXPECTED_EOF,
                "the body ended without connection-closing" + (partial ? " (a partial event was discarded)" : ""));
    }

    private SessionEvent lost(Throwable error) {
        String message = error.getMessage();
        return new ConnectionLost(
                LossReason.TRANSPORT_ERROR, error.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }

    private Mono<SessionEvent> refused(HttpClientResponse response, ByteBufFlux body) {
        int status = response.status().code();
        Duration retryAfter = retryAfter(response.responseHeaders().get("Retry-After"));
        String requestId = response.responseHeaders().get("X-Request-ID");
        AtomicInteger kept = new AtomicInteger();
        return body.asByteArray()
                .takeUntil(chunk -> kept.addAndGet(chunk.length) >= MAX_ERROR_BODY)
                .collect(
                        ByteArrayOutputStream::new,
                        (out, chunk) -> out.write(chunk, 0, Math.min(chunk.length, MAX_ERROR_BODY - out.size())))
                .map(out -> out.toString(StandardCharsets.UTF_8) + (kept.get() > MAX_ERROR_BODY ? "…" : ""))
                .timeout(heartbeatBudget, scheduler)
                .onErrorReturn("")
                .map(text -> new SessionEvent.Refused(status, retryAfter, text, requestId));
    }

    /** Parses {@code Retry-After}: delay-seconds or an HTTP date (a past date means no wait). */
    static @Nullable Duration retryAfter(@Nullable String header) {
        return retryAfter(header, java.time.Clock.systemUTC());
    }

    static @Nullable Duration retryAfter(@Nullable String header, java.time.Clock clock) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        if (value.chars().allMatch(c -> c >= '0' && c <= '9')) { // ASCII only: RFC 9110 DIGIT
            try {
                return Duration.ofSeconds(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration wait = Duration.between(clock.instant(), at.toInstant());
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
