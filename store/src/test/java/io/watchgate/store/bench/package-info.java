/** Benchmarks of the store, run by the scripts under {@code src/bench}. */
@NullMarked
package io.watchgate.store.bench;

import org.jspecify.annotations.NullMarked;
