/**
 * Durable state for Watchgate sessions on R2DBC: session cursors and a bounded notification
 * journal, in PostgreSQL (production) or an H2 file (the embedded default for one node).
 *
 * <p>Start with {@link io.watchgate.store.WatchgateStore#builder(String)}.
 */
@NullMarked
package io.watchgate.store;

import org.jspecify.annotations.NullMarked;
