package io.watchgate.store.journal;

import io.watchgate.core.cursor.Checkpoint;
import org.jspecify.annotations.Nullable;

/**
 * A session's row as an append finds it (locked).
 *
 * @param newestOffset the newest offset given so far
 * @param cursor the stored upstream position, if any
 */
record SessionHead(long newestOffset, @Nullable Checkpoint cursor) {}
