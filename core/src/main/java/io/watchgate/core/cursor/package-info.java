/** Where sessions keep their position: the {@link io.watchgate.core.cursor.CursorStore} SPI and an in-memory store. */
@NullMarked
package io.watchgate.core.cursor;

import org.jspecify.annotations.NullMarked;
