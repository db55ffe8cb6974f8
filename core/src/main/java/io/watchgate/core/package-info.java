/**
 * The Watchgate client library: resilient upstream watch sessions exposed as Reactor {@code Flux}es.
 *
 * <p>Start with {@link io.watchgate.core.WatchClient}.
 */
@NullMarked
package io.watchgate.core;

import org.jspecify.annotations.NullMarked;
