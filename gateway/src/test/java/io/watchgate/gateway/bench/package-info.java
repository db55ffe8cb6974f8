/** Benchmarks of the gateway, run by the scripts under {@code src/bench}. */
@NullMarked
package io.watchgate.gateway.bench;

import org.jspecify.annotations.NullMarked;
