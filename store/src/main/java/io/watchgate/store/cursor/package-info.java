/** Durable session checkpoints: core's {@code CursorStore} on a SQL database. */
@NullMarked
package io.watchgate.store.cursor;

import org.jspecify.annotations.NullMarked;
