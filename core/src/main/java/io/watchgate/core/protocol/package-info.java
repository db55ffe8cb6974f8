/**
 * Upstream protocols: how a watch request becomes an HTTP request and how the upstream's SSE frames
 * become session events ({@link io.watchgate.core.protocol.AvisoProtocol}, {@link
 * io.watchgate.core.protocol.SseSourceProtocol}).
 */
@NullMarked
package io.watchgate.core.protocol;

import org.jspecify.annotations.NullMarked;
