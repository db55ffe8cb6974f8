/** The aviso-compatible endpoints: {@code POST /api/v1/watch}, {@code /api/v1/replay}, {@code /api/v1/notification}. */
@NullMarked
package io.watchgate.gateway.aviso;

import org.jspecify.annotations.NullMarked;
