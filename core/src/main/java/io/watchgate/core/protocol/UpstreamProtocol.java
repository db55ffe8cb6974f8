package io.watchgate.core.protocol;

import io.watchgate.core.Start;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.session.SessionEvent;
import io.watchgate.core.sse.SseFrame;
import java.util.function.Consumer;

/**
 * How one kind of upstream is spoken to: the request that opens a stream, and the meaning of its
 * frames. Implementations are stateless and thread-safe; per-connection state lives in the {@link
 * io.watchgate.core.sse.SseDecoder}.
 */
public interface UpstreamProtocol {

    /** The protocol for an upstream. */
    static UpstreamProtocol of(Upstream upstream) {
        return switch (upstream.protocol()) {
            case AVISO -> new AvisoProtocol(upstream.url());
            case SSE -> new SseSourceProtocol(upstream.url());
        };
    }

    /**
     * Checks that a request can be sent to this upstream.
     *
     * @throws IllegalArgumentException with a message that says what is wrong
     */
    void validate(WatchRequest request);

    /** The request that opens a stream for {@code request} from {@code start}. */
    UpstreamCall call(WatchRequest request, Start start);

    /**
     * Interprets one decoded SSE frame, passing zero or more session events to {@code out}.
     * Heartbeats and comments produce nothing (their bytes already count against the heartbeat
     * budget).
     */
    void decode(SseFrame frame, Consumer<SessionEvent> out);

    /** Whether streams that start from history announce replay start and completion. */
    boolean announcesReplay();
}
