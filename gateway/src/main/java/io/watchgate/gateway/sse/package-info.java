/** SSE frames, encoded once and shared by every subscriber. */
@NullMarked
package io.watchgate.gateway.sse;

import org.jspecify.annotations.NullMarked;
