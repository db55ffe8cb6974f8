/**
 * An incremental, allocation-conscious decoder for {@code text/event-stream} bodies (Server-Sent
 * Events).
 *
 * <p>{@link io.watchgate.core.sse.SseDecoder} turns arbitrary byte chunks into {@link
 * io.watchgate.core.sse.SseFrame}s following the WHATWG "event stream interpretation" rules, with a
 * bounded-memory policy for malformed input.
 */
@NullMarked
package io.watchgate.core.sse;

import org.jspecify.annotations.NullMarked;
